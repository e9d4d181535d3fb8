"""Exemplars: the form that marks a segment (reached from the coding page's popover and
from retrieval rows), the study's list, unmarking. Every member reads (blind coders their
own layer's); owners and coders mark; the creator or an owner unmarks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coding import exports
from coding.compare.layers import PLACED, layer_choice
from coding.exemplars import documents, forms, portraits, report, selectors, services
from coding.exemplars.tags import wave_label
from coding.models import Portrait
from studies.access import get_study_for_user
from workbench.lib.http import add_form_errors, attachment_name, download

FORM_TEMPLATE = "coding/exemplars/exemplar_form.html"
LIST_TEMPLATE = "coding/exemplars/exemplar_list.html"


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def exemplar_create(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, write=True)  # viewers: 403
    segment = selectors.segment_to_mark(access, request.GET.get("segment"))
    list_url = reverse("coding:exemplar_list", args=[access.study.pk])
    form = forms.ExemplarForm(
        request.POST if request.method == "POST" else None, access=access, segment=segment
    )
    if request.method == "POST" and form.is_valid():
        code, theme = form.target_object()
        try:
            services.exemplar_create(
                segment=segment,
                actor=request.user,
                code=code,
                theme=theme,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        else:
            return redirect(_next(request, list_url))
    existing = selectors.exemplar_rows(
        access, selectors.visible_exemplars(access).filter(segment=segment)
    )
    return render(
        request,
        FORM_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "results",
            "segment": segment,
            "tag": selectors.transcript_tag(segment.transcript),
            "form": form,
            "existing": existing,
            "next": _next(request, ""),
            "back": _next(request, list_url),
        },
    )


@login_required
@require_GET
def exemplar_list(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    rows = selectors.exemplar_rows(access)
    return render(
        request,
        LIST_TEMPLATE,
        {"study": access.study, "access": access, "tab": "results", "rows": rows},
    )


@login_required
@require_POST
def exemplar_delete(request: HttpRequest, study_id: int, exemplar_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    exemplar = selectors.visible_exemplars(access).filter(pk=exemplar_id).first()
    if exemplar is None:
        raise Http404("No such exemplar.")
    if not selectors.can_unmark(access, exemplar):
        raise PermissionDenied("Only the study's owners and the person who marked it unmark it.")
    services.exemplar_delete(exemplar=exemplar, actor=request.user, study=access.study)
    return redirect(_next(request, reverse("coding:exemplar_list", args=[access.study.pk])))


REPORT_TEMPLATE = "coding/exemplars/theme_report.html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _choice(access, request: HttpRequest):
    requested = request.GET.get("layer") or None
    try:
        return layer_choice(access, requested, scope=PLACED), ""
    except LookupError:
        message = gettext(
            "There is no layer “%(layer)s” that you can see: showing the default."
        ) % {"layer": requested}
        return layer_choice(access, None, scope=PLACED), message


@login_required
@require_GET
def theme_report(request: HttpRequest, study_id: int) -> HttpResponse:
    """The page, or with ``format=docx`` / ``format=md`` the same report as a file."""
    access = get_study_for_user(request, study_id)
    choice, layer_error = _choice(access, request)
    built = report.theme_report(access, choice)
    fmt = request.GET.get("format")
    if fmt == "docx":
        name = attachment_name(access.study, "theme-report", "docx")
        return download(documents.report_docx(built), name, DOCX)
    if fmt == "md":
        name = attachment_name(access.study, "theme-report", "md")
        return download(documents.report_markdown(built), name, "text/markdown; charset=utf-8")
    query = urlencode({"layer": choice.key})
    return render(
        request,
        REPORT_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "results",
            "report": built,
            "choice": choice,
            "layer_error": layer_error,
            "rows": [
                (
                    u,
                    [
                        (g, [(c, report.cell_text(c)) for c in u.row(g.pk)])
                        for g in built.frame.groups
                    ],
                )
                for u in built.units
            ],
            "docx_url": f"?{query}&format=docx",
            "md_url": f"?{query}&format=md",
        },
    )


PORTRAITS_TEMPLATE = "coding/exemplars/portrait_list.html"
PORTRAIT_TEMPLATE = "coding/exemplars/portrait_detail.html"


def _stored_portraits(access, cases) -> dict[int, str]:
    """Stored portrait texts, except for a blind coder (they are written from every layer)."""
    if access.blind:
        return {}
    ids = [c.participant.pk for c in cases.portraits]
    return dict(
        Portrait.objects.filter(participant_id__in=ids).values_list("participant_id", "text")
    )


@login_required
@require_GET
def portrait_list(request: HttpRequest, study_id: int) -> HttpResponse:
    """Every participant's presence per theme and wave; ``format`` = csv, xlsx (the case ×
    theme × wave table), docx or md (the portraits)."""
    access = get_study_for_user(request, study_id)
    choice, layer_error = _choice(access, request)
    cases = portraits.study_cases(access, choice)
    fmt = request.GET.get("format")
    if fmt == "csv":
        name = attachment_name(access.study, "case-theme-wave", "csv")
        return exports.csv_response(name, portraits.TABLE_HEADER, portraits.table_rows(cases))
    if fmt == "xlsx":
        name = attachment_name(access.study, "case-theme-wave", "xlsx")
        sheet = exports.Sheet(
            "Case x theme x wave", portraits.TABLE_HEADER, portraits.table_rows(cases)
        )
        return exports.xlsx_response(
            name, [sheet], about=[("Study", access.study.name), ("Layers", choice.label)]
        )
    if fmt in ("docx", "md"):
        stored = _stored_portraits(access, cases)
        name = attachment_name(access.study, "portraits", fmt)
        if fmt == "docx":
            return download(documents.portraits_docx(access.study, cases, stored), name, DOCX)
        body = documents.portraits_markdown(access.study, cases, stored)
        return download(body, name, "text/markdown; charset=utf-8")
    labels = [wave_label(w.name) for w in cases.frame.waves]
    table = []
    for case in cases.portraits:
        cells = []
        for unit in cases.units:
            marks = []
            for wave, label in zip(cases.frame.waves, labels, strict=True):
                key = (case.participant.pk, wave.pk)
                if key not in cases.interviewed:
                    marks.append((label, "absent", "not interviewed"))
                elif cases.passages.get((*key, unit.pk)):
                    marks.append((label, "present", "present"))
                else:
                    marks.append((label, "none", "not present"))
            cells.append(marks)
        table.append((case, cells))
    query = urlencode({"layer": choice.key})
    return render(
        request,
        PORTRAITS_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "results",
            "cases": cases,
            "table": table,
            "choice": choice,
            "layer_error": layer_error,
            "query": query,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def portrait_detail(request: HttpRequest, study_id: int, participant_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    participant = access.study.participants.filter(pk=participant_id).first()
    if participant is None:
        raise Http404("No such participant.")
    choice, layer_error = _choice(access, request)
    cases = portraits.study_cases(access, choice, participant_id=participant.pk)
    if not cases.portraits:
        raise Http404("This participant is in no stakeholder group.")
    case = cases.portraits[0]
    summary = case.summary
    can_edit = access.can_code and not access.blind
    stored = None if access.blind else Portrait.objects.filter(participant=participant).first()
    error = ""
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(
                "Viewers read portraits; under blind coding coders see only their own summary."
            )
        try:
            if request.POST.get("action") == "regenerate":
                services.portrait_regenerate(
                    participant=participant, actor=request.user, generated=summary
                )
            else:
                services.portrait_save(
                    participant=participant,
                    actor=request.user,
                    text=request.POST.get("text", ""),
                    generated=request.POST.get("generated") or summary,
                )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect(request.get_full_path())
    changes = portraits.summary_changes(stored.generated, summary) if stored else []
    return render(
        request,
        PORTRAIT_TEMPLATE,
        {
            "study": access.study,
            "access": access,
            "tab": "results",
            "case": case,
            "summary": summary,
            "stored": stored,
            "text": stored.text if stored else summary,
            "edited": bool(stored and stored.text != stored.generated),
            "changes": changes,
            "can_edit": can_edit,
            "choice": choice,
            "layer_error": layer_error,
            "error": error,
        },
    )
