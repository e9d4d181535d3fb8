"""The agreement report and its exports (CSV, XLSX, methods text).

Reading them needs ``access.can_read_agreement`` (see :mod:`coding.agreement.access`).
"""

from __future__ import annotations

import string

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from coding import exports
from coding.agreement import report as ar
from coding.agreement.access import agreement_reader
from coding.agreement.loading import Scope, default_layers, layer_query, report_layers
from coding.agreement.methods import EXPORT_COLUMNS, METRIC_HELP
from coding.agreement.rows import (
    DEFAULT_THRESHOLD,
    GOOD_ALPHA,
    LOW_PREVALENCE_HELP,
    PREVALENCE_HELP,
    SORT_KEYS,
    STATUS_WORDS,
    CodeRow,
    Metric,
)
from coding.selectors import codebook
from studies.models import Transcript

REPORT_TEMPLATE = "coding/agreement_report.html"

BY_CHOICES = [
    ("", "Codes (pooled)"),
    ("group", "By group"),
    ("wave", "By wave"),
    ("design", "By group × wave"),
    ("drift", "Coder drift against consensus"),
]
SORT_CHOICES = [(k, k) for k in SORT_KEYS] + [(f"-{k}", k) for k in SORT_KEYS]


class ReportForm(forms.Form):
    layers = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    group = forms.TypedMultipleChoiceField(coerce=int, required=False)
    wave = forms.TypedMultipleChoiceField(coerce=int, required=False)
    participant = forms.TypedMultipleChoiceField(coerce=int, required=False)
    transcript = forms.TypedMultipleChoiceField(coerce=int, required=False)
    code = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    threshold = forms.FloatField(required=False, min_value=0, max_value=1)
    expert = forms.BooleanField(required=False)
    by = forms.ChoiceField(choices=BY_CHOICES, required=False)
    focus = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def __init__(self, data, *, layers, study, book):
        super().__init__(data)
        self.layer_objects = layers
        self.fields["layers"].choices = [(la.key, la.label) for la in layers]
        self.fields["group"].choices = list(study.groups.values_list("pk", "name"))
        self.fields["wave"].choices = list(study.waves.values_list("pk", "name"))
        self.fields["participant"].choices = list(
            study.participants.order_by("pseudonym").values_list("pk", "pseudonym")
        )
        self.fields["transcript"].choices = list(
            Transcript.objects.filter(study=study).order_by("title").values_list("pk", "title")
        )
        codes = [(n.pk, "\u2003" * n.depth + n.code.name) for n in book.walk()]
        self.fields["code"].choices = [("", "All codes"), *codes]
        self.fields["focus"].choices = [("", "—"), *codes]

    def clean_layers(self):
        keys = self.cleaned_data["layers"]
        if keys and len(keys) < 2:
            raise ValidationError("Choose two or more layers to compare.")
        return keys

    def params(self) -> ar.ReportParams:
        data = self.cleaned_data
        keys = data["layers"]
        if keys:
            layers = [la for la in self.layer_objects if la.key in keys]
        else:
            layers = default_layers(self.layer_objects)
        threshold = data.get("threshold")
        return ar.ReportParams(
            layers=layers,
            scope=Scope(
                groups=data["group"],
                waves=data["wave"],
                participants=data["participant"],
                transcripts=data["transcript"],
            ),
            root_code=data.get("code"),
            threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
            expert=data.get("expert") or False,
            by=data.get("by") or "",
            focus=data.get("focus"),
            sort=data.get("sort") or "code",
        )


def _query(request, drop=(), **extra) -> str:
    q = request.GET.copy()
    for key in (*drop, *extra):
        q.pop(key, None)
    for key, value in extra.items():
        if value not in (None, ""):
            q[key] = value
    return q.urlencode()


def _scope_words(params: ar.ReportParams, form: ReportForm) -> str:
    scope = params.scope
    if scope.is_all:
        return "All transcripts"
    parts = []
    for name, values in (
        ("group", scope.groups),
        ("wave", scope.waves),
        ("participant", scope.participants),
        ("transcript", scope.transcripts),
    ):
        if values:
            labels = dict(form.fields[name].choices)
            parts.append(f"{name}: " + ", ".join(str(labels.get(v, v)) for v in values))
    return "; ".join(parts)


def _build(request, access):
    layers = report_layers(access)
    book = codebook(access.study)
    form = ReportForm(request.GET, layers=layers, study=access.study, book=book)
    if not form.is_valid():
        return form, None, layers
    params = form.params()
    if len(params.layers) < 2:
        return form, None, layers
    report = ar.agreement_report(access, params, book=book)
    return form, report, layers


@login_required
@require_GET
def agreement_report(request, study_id: int):
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
        "status_words": STATUS_WORDS,
        "prevalence_help": PREVALENCE_HELP,
        "low_prevalence_help": LOW_PREVALENCE_HELP,
    }
    if report is not None:
        context["scope_words"] = _scope_words(report.params, form)
        context["layer_query"] = layer_query(report.layers)
        context["export_csv"] = (
            reverse("coding:agreement_export", args=[study_id])
            + "?"
            + _query(request, format="csv")
        )
        context["export_xlsx"] = (
            reverse("coding:agreement_export", args=[study_id])
            + "?"
            + _query(request, format="xlsx")
        )
        context["export_methods"] = (
            reverse("coding:agreement_export", args=[study_id])
            + "?"
            + _query(request, format="methods")
        )
    return render(request, REPORT_TEMPLATE, context)


def _num(metric: Metric | None):
    if metric is None or metric.value is None:
        return None
    return round(metric.value, 6)


def _export_rows(report: ar.Report, per_transcript):
    """Pooled rows (``level`` "pooled", no transcript) then per-transcript rows."""
    keys = report.keys
    paths = exports.code_paths(report.book)

    def line(level, info, row: CodeRow):
        out = [
            level,
            info.pk if info else None,
            info.title if info else None,
            row.node.pk,
            paths.get(row.node.pk, ""),
            bool(row.node.children),
            STATUS_WORDS[row.status],
            *row.segments,
            *row.coded_by,
            row.both,
            row.neither,
            row.characters,
            _num(row.percent_agreement),
            _num(row.cohen_kappa) if len(keys) == 2 else None,
            _num(row.alpha),
            row.prevalence,
            bool(row.prevalence_warning),
            row.alpha.reason or row.cohen_kappa.reason,
        ]
        if report.params.expert:
            out += [
                _num(row.alpha_u),
                _num(row.u_alpha),
                row.seg_agree,
                row.seg_disagree,
                _num(row.seg_agreement),
            ]
        return out

    for row in report.rows:
        yield line("pooled", None, row)
    for info, row in per_transcript:
        yield line("transcript", info, row)


def _layer_columns(report: ar.Report) -> list[str]:
    """snake_case name per compared layer (its label), ``layer_a``... when not usable."""
    names: list[str] = []
    for letter, layer in zip(string.ascii_lowercase, report.layers, strict=False):
        name = exports.column_name(layer.label, f"layer_{letter}")
        names.append(name if name not in names else f"layer_{letter}")
    return names


def _export_header(report: ar.Report) -> list[str]:
    names = _layer_columns(report)
    many = len(names) > 2
    header = [
        "level",
        "transcript_id",
        "transcript",
        "code_id",
        "code_path",
        "is_parent",
        "status",
        *[f"segments_{n}" for n in names],
        *[f"chars_coded_{n}" for n in names],
        "chars_coded_by_all" if many else "chars_coded_by_both",
        "chars_coded_by_none" if many else "chars_coded_by_neither",
        "chars_compared",
        "percent_agreement",
        "cohen_kappa",
        "krippendorff_alpha",
        "prevalence",
        "low_prevalence_warning",
        "note",
    ]
    if report.params.expert:
        header += [
            "unitizing_alpha",
            "u_alpha_binary",
            "segments_matched",
            "segments_unmatched",
            "segment_agreement",
        ]
    return header


def _about(report: ar.Report, study, scope_words: str) -> list[tuple[str, str]]:
    worked = "; ".join(
        f"{layer.label}: {n} of {len(report.transcripts)}" for layer, n, _ in report.worked_on
    )
    about = [
        ("Report", "Inter-coder agreement (thematic coding workbench)"),
        ("Study", study.name),
        ("Date", timezone.localtime().strftime("%Y-%m-%d %H:%M %Z")),
        ("Layers compared", ", ".join(la.label for la in report.layers)),
        ("Scope", scope_words),
        (
            "Codes",
            report.book.path(report.params.root_code) + " and its subcodes"
            if report.params.root_code
            else "All codes",
        ),
        ("Transcripts in scope", str(len(report.transcripts))),
        ("Transcripts each layer worked on (assigned or coded)", worked),
        ("Transcripts compared (two or more layers worked on them)", str(report.pairable)),
        (
            "Missing layers",
            "A layer that did not work on a transcript is missing there, "
            "not counted as coding nothing.",
        ),
        ("Unit of analysis", "character (Unicode code point) of the canonical transcript text."),
        (
            "Parent codes",
            "A parent code's row rolls up its subtree: the spans of the code and all its "
            "subcodes, merged per layer, compared as one code.",
        ),
        (
            "Pooling",
            "Pooled rows sum the counts over transcripts (equal to concatenating "
            "them); coefficients are never averaged.",
        ),
        ("Percent agreement", METRIC_HELP["percent_agreement"]),
        ("Cohen kappa", METRIC_HELP["cohen_kappa"]),
        ("Krippendorff alpha", METRIC_HELP["alpha_binary"]),
        (
            "Threshold",
            f"alpha below {report.params.threshold:g} is marked 'Below threshold'; "
            f"{GOOD_ALPHA:g} or more is 'Good'.",
        ),
        ("Prevalence", PREVALENCE_HELP),
        ("Low-prevalence warning", LOW_PREVALENCE_HELP),
        ("Undefined", "Empty: a coefficient with no variation to work with (see Note)."),
    ]
    if report.params.expert:
        about += [
            ("Unitizing alpha", METRIC_HELP["alpha_u"]),
            ("u-alpha", METRIC_HELP["u_alpha"]),
            (
                "Segment matching",
                METRIC_HELP["segment_matching"] + f" Threshold: {report.seg_threshold}."
                if report.seg_threshold
                else "Segment matching needs exactly two layers.",
            ),
        ]
    if report.skipped:
        about.append(("Skipped segments", f"{report.skipped} outside their transcript's text"))
    return about


@login_required
@require_GET
def agreement_export(request, study_id: int):
    access = agreement_reader(request, study_id)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx", "methods"):
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
        messages.error(request, "Agreement needs two layers with coding.")
        return redirect("coding:agreement_report", study_id)
    params.by, params.focus = "", None
    report = ar.agreement_report(access, params, book=book, per_transcript=fmt != "methods")
    scope = _scope_words(params, form)
    about = _about(report, access.study, scope)
    stamp = timezone.localdate().isoformat()
    name = f"agreement-{access.study.pk}-{stamp}"
    if fmt == "methods":
        return _methods_response(f"{name}-methods.txt", report, access.study, about)
    header = _export_header(report)
    if fmt == "csv":
        # One rectangular table, nothing else: the methods text is its own download.
        return exports.csv_response(
            f"{name}.csv", header, _export_rows(report, report.per_transcript)
        )
    sheets = [
        exports.Sheet("Pooled", header, list(_export_rows(report, []))),
        exports.Sheet(
            "Per transcript",
            header,
            list(_export_rows(report, report.per_transcript))[len(report.rows) :],
        ),
    ]
    return exports.xlsx_response(
        f"{name}.xlsx", sheets, about=[("Summary", report.summary), *about]
    )


def _methods_response(filename: str, report: ar.Report, study, about) -> HttpResponse:
    lines = [
        f"Inter-coder agreement: {study.name}",
        "",
        report.summary,
        "",
        *(f"{label}: {value}" for label, value in about),
        "",
        "Columns of the CSV export:",
        *(f"  {name}: {text}" for name, text in EXPORT_COLUMNS),
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


urlpatterns = [
    path("studies/<int:study_id>/agreement/", agreement_report, name="agreement_report"),
    path("studies/<int:study_id>/agreement/export/", agreement_export, name="agreement_export"),
]
