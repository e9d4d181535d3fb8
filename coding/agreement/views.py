"""The agreement report and its exports (CSV, XLSX, methods text).

Reading them needs ``access.can_read_agreement`` (see :mod:`coding.agreement.access`). The
options are :class:`~coding.agreement.forms.ReportForm`, the report is built by
:func:`coding.agreement.report.agreement_report`, the downloads by
:mod:`coding.agreement.exports`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from coding import exports
from coding.agreement import bootstrap, over_time, over_time_out
from coding.agreement.access import agreement_reader
from coding.agreement.exports import FORMATS, export_response
from coding.agreement.forms import BY_CHOICES, ReportForm
from coding.agreement.loading import layer_query, report_layers
from coding.agreement.methods import METRIC_HELP
from coding.agreement.report import agreement_report as build_report
from coding.agreement.result import Report
from coding.agreement.rows import LOW_PREVALENCE_HELP, PREVALENCE_HELP, STATUS_WORDS
from coding.codebook.selectors import codebook
from coding.models import Layer
from studies.access import StudyAccess

REPORT_TEMPLATE = "coding/agreement/report.html"


def _query(request: HttpRequest, drop: tuple[str, ...] = (), **extra: str) -> str:
    q = request.GET.copy()
    for key in (*drop, *extra):
        q.pop(key, None)
    for key, value in extra.items():
        if value not in (None, ""):
            q[key] = value
    return q.urlencode()


def _build(
    request: HttpRequest, access: StudyAccess
) -> tuple[ReportForm, Report | None, list[Layer]]:
    layers = report_layers(access)
    book = codebook(access.study)
    form = ReportForm(request.GET, layers=layers, study=access.study, book=book)
    if not form.is_valid():
        return form, None, layers
    params = form.params()
    if len(params.layers) < 2:
        return form, None, layers
    report = build_report(access, params, book=book)
    return form, report, layers


@login_required
@require_GET
def agreement_report(request: HttpRequest, study_id: int) -> HttpResponse:
    access = agreement_reader(request, study_id)
    form, report, layers = _build(request, access)
    context = {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "form": form,
        "report": report,
        "layers": layers,
        "by_choices": BY_CHOICES,
        "help": METRIC_HELP,
        "query": _query(request),
        "query_nosort": _query(request, drop=("sort",)),
        "query_nofocus": _query(request, drop=("focus",)),
        "nav_query": _query(request, drop=("format", "focus", "by", "sort")),
        "status_words": STATUS_WORDS,
        "prevalence_help": PREVALENCE_HELP,
        "low_prevalence_help": LOW_PREVALENCE_HELP,
        "max_replicates": bootstrap.MAX_REPLICATES,
        "default_replicates": bootstrap.DEFAULT_REPLICATES,
        "default_seed": bootstrap.DEFAULT_SEED,
    }
    if report is not None:
        context["scope_words"] = form.scope_words(report.params)
        context["layer_query"] = layer_query(report.layers)
        export = reverse("coding:agreement_export", args=[study_id])
        for fmt in FORMATS:  # export_csv, export_xlsx, export_methods
            context[f"export_{fmt}"] = f"{export}?{_query(request, format=fmt)}"
    return render(request, REPORT_TEMPLATE, context)


@login_required
@require_GET
def agreement_export(request: HttpRequest, study_id: int) -> HttpResponse:
    access = agreement_reader(request, study_id)
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise Http404("Unknown format.")
    layers = report_layers(access)
    book = codebook(access.study)
    form = ReportForm(request.GET, layers=layers, study=access.study, book=book)
    if not form.is_valid():
        return redirect(
            reverse("coding:agreement_report", args=[study_id])
            + "?"
            + _query(request, drop=("format",))
        )
    params = form.params()
    if len(params.layers) < 2:
        messages.error(request, gettext("Agreement needs two layers with coding."))
        return redirect("coding:agreement_report", study_id)
    params.by, params.focus = "", None
    report = build_report(access, params, book=book, per_transcript=fmt != "methods")
    with exports.header_language(request):
        return export_response(fmt, report, access.study, form.scope_words(params))


# --- over time (docs/agreement/OVER_TIME.md) ------------------------------------------------

OVER_TIME_TEMPLATE = "coding/agreement/over_time.html"


@login_required
@require_GET
def agreement_over_time(request: HttpRequest, study_id: int) -> HttpResponse:
    """Agreement per calibration round and per codebook-version period, overall and per code."""
    access = agreement_reader(request, study_id)
    layers = report_layers(access)
    context = {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "layers": layers,
        "table": None,
        "error": "",
        "max_replicates": bootstrap.MAX_REPLICATES,
        "default_replicates": bootstrap.DEFAULT_REPLICATES,
        "default_seed": bootstrap.DEFAULT_SEED,
        "report_url": reverse("coding:agreement_report", args=[study_id]) + "?" + _query(request),
    }
    try:
        table, scope_words = over_time.for_query(access, request.GET)
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages) if request.GET else ""
        return render(request, OVER_TIME_TEMPLATE, context)
    export = reverse("coding:agreement_over_time_export", args=[study_id])
    context.update(
        table=table,
        scope_words=scope_words,
        row_groups=[("round", table.rounds), ("period", table.periods)],
        code_lines=[
            {"node": node, "cells": [(r, r.per_code.get(node.pk)) for r in table.rows]}
            for node in table.nodes
        ],
        trend_rounds=over_time.trend_words(table.rounds),
        trend_periods=over_time.trend_words(table.periods),
        export_csv=f"{export}?{_query(request, format='csv')}",
        export_xlsx=f"{export}?{_query(request, format='xlsx')}",
    )
    return render(request, OVER_TIME_TEMPLATE, context)


@login_required
@require_GET
def agreement_over_time_export(request: HttpRequest, study_id: int) -> HttpResponse:
    access = agreement_reader(request, study_id)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404(gettext("Unknown format."))
    try:
        table, scope_words = over_time.for_query(access, request.GET)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(
            reverse("coding:agreement_over_time", args=[study_id])
            + "?"
            + _query(request, drop=("format",))
        )
    with exports.header_language(request):
        return over_time_out.export_response(fmt, table, access.study, scope_words)
