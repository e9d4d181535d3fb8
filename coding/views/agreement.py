"""Agreement report, its exports, the side-by-side disagreement review and consensus writes.

Reading the report or the review needs ``access.can_read_agreement`` (owners; others only
as :mod:`studies.access` allows); settling into the consensus layer needs ownership.
"""

from __future__ import annotations

from html import escape

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from coding import agreement_report as ar
from coding import consensus, exports, review_passage
from coding.codebook.selectors import codebook
from coding.models import ConsensusDecision, Decision, LayerKind
from coding.segments import runs
from studies.access import StudyAccess, get_study_for_user
from studies.models import Transcript

REPORT_TEMPLATE = "coding/agreement_report.html"
REVIEW_TEMPLATE = "coding/disagreements.html"

BY_CHOICES = [
    ("", "Codes (pooled)"),
    ("group", "By group"),
    ("wave", "By wave"),
    ("design", "By group × wave"),
    ("drift", "Coder drift against consensus"),
]
SORT_CHOICES = [(k, k) for k in ar.SORT_KEYS] + [(f"-{k}", k) for k in ar.SORT_KEYS]


def _reader(request, study_id) -> StudyAccess:
    access = get_study_for_user(request, study_id)
    if not access.can_read_agreement:
        raise PermissionDenied(
            "The agreement report is not shared with you: the study's owner decides "
            "(and it stays hidden while blind coding is on)."
        )
    return access


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
            layers = ar.default_layers(self.layer_objects)
        threshold = data.get("threshold")
        return ar.ReportParams(
            layers=layers,
            scope=ar.Scope(
                groups=data["group"],
                waves=data["wave"],
                participants=data["participant"],
                transcripts=data["transcript"],
            ),
            root_code=data.get("code"),
            threshold=ar.DEFAULT_THRESHOLD if threshold is None else threshold,
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


def _layer_query(layers) -> str:
    return urlencode([("layers", la.key) for la in layers])


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
    layers = ar.report_layers(access)
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
    access = _reader(request, study_id)
    form, report, layers = _build(request, access)
    context = {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "form": form,
        "report": report,
        "layers": layers,
        "by_choices": BY_CHOICES,
        "help": ar.METRIC_HELP,
        "query": _query(request),
        "query_nosort": _query(request, drop=("sort",)),
        "query_nofocus": _query(request, drop=("focus",)),
        "status_words": ar.STATUS_WORDS,
        "prevalence_help": ar.PREVALENCE_HELP,
        "low_prevalence_help": ar.LOW_PREVALENCE_HELP,
    }
    if report is not None:
        context["scope_words"] = _scope_words(report.params, form)
        context["layer_query"] = _layer_query(report.layers)
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


def _num(metric: ar.Metric | None):
    if metric is None or metric.value is None:
        return None
    return round(metric.value, 6)


def _export_rows(report: ar.Report, per_transcript):
    """Pooled rows (``level`` "pooled", no transcript) then per-transcript rows."""
    keys = report.keys
    paths = exports.code_paths(report.book)

    def line(level, info, row: ar.CodeRow):
        out = [
            level,
            info.pk if info else None,
            info.title if info else None,
            row.node.pk,
            paths.get(row.node.pk, ""),
            bool(row.node.children),
            ar.STATUS_WORDS[row.status],
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
    for letter, layer in zip(ar.LETTERS.lower(), report.layers, strict=False):
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
        ("Percent agreement", ar.METRIC_HELP["percent_agreement"]),
        ("Cohen kappa", ar.METRIC_HELP["cohen_kappa"]),
        ("Krippendorff alpha", ar.METRIC_HELP["alpha_binary"]),
        (
            "Threshold",
            f"alpha below {report.params.threshold:g} is marked 'Below threshold'; "
            f"{ar.GOOD_ALPHA:g} or more is 'Good'.",
        ),
        ("Prevalence", ar.PREVALENCE_HELP),
        ("Low-prevalence warning", ar.LOW_PREVALENCE_HELP),
        ("Undefined", "Empty: a coefficient with no variation to work with (see Note)."),
    ]
    if report.params.expert:
        about += [
            ("Unitizing alpha", ar.METRIC_HELP["alpha_u"]),
            ("u-alpha", ar.METRIC_HELP["u_alpha"]),
            (
                "Segment matching",
                ar.METRIC_HELP["segment_matching"] + f" Threshold: {report.seg_threshold}."
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
    access = _reader(request, study_id)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx", "methods"):
        raise Http404("Unknown format.")
    layers = ar.report_layers(access)
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
        *(f"  {name}: {text}" for name, text in ar.EXPORT_COLUMNS),
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- disagreement review --------------------------------------------------------------


def _review_layers(request, layers):
    keys = request.GET.getlist("layers") or request.POST.getlist("layers")
    chosen = [la for la in layers if la.key in keys and la.kind != LayerKind.CONSENSUS]
    if keys and len(chosen) != len(keys):
        raise Http404("No such layer.")
    if not keys:
        chosen = [la for la in ar.default_layers(layers) if la.kind != LayerKind.CONSENSUS]
    # Keep the order the request gave (A, B, ...).
    if keys:
        chosen.sort(key=lambda la: keys.index(la.key))
    return chosen


def _side_by_side(text: str, rv: ar.Review, current: int | None):
    """Rows of (line, [cell html per column]) for the compared layers and consensus."""
    columns = [u.coverage for u in rv.units]
    per_column: list[list[tuple[int, int]]] = [[] for _ in range(len(rv.layers) + 1)]
    for unit in rv.units:
        for i, cov in enumerate(unit.coverage):
            per_column[i].extend(cov)
    per_column[-1] = list(rv.consensus_spans)
    spans = []
    for c, intervals in enumerate(per_column):
        for j, (s, e) in enumerate(intervals):
            spans.append(runs.Span(c * 10_000_000 + j + 1, s, e))
    unit_base = 900_000_000
    for unit in rv.units:
        spans.append(runs.Span(unit_base + unit.index, unit.start, unit.end))
    del columns
    rendered = runs.render_transcript(text, spans)
    unit_by_index = {u.index: u for u in rv.units}
    rows = []
    names = [la.label for la in rv.layers] + ["consensus"]
    for line in rendered.lines:
        cells = []
        for c in range(len(per_column)):
            lo, hi = c * 10_000_000, (c + 1) * 10_000_000
            title = escape(f"{rv.code.code.name} by {names[c]}")
            # Consecutive runs that look the same are merged into one element.
            pieces: list[list] = []  # [covered, classes, unit, html]
            for run in line.runs:
                covered = any(lo < sid < hi for sid in run.segment_ids)
                unit_ids = [sid - unit_base for sid in run.segment_ids if sid >= unit_base]
                unit = unit_by_index.get(unit_ids[0]) if unit_ids else None
                body = escape(run.text)
                anchor = c == 0 and unit is not None and run.start == unit.start
                if anchor:
                    body = f'<span class="unit-anchor" id="t-unit-{unit.number}"></span>' + body
                classes = []
                if unit is not None and unit.state != "agreed":
                    classes.append("diff")
                    if current is not None and unit.number == current:
                        classes.append("current")
                if covered:
                    classes.append("hl")
                key = (covered, " ".join(classes), unit.number if unit else None)
                if pieces and pieces[-1][0] == key and not anchor:
                    pieces[-1][1] += body
                else:
                    pieces.append([key, body])
            parts = []
            for (covered, classes, number), body in pieces:
                attr = f' data-unit="{number}"' if number is not None else ""
                if covered:
                    parts.append(f'<mark class="{classes}" title="{title}"{attr}>{body}</mark>')
                elif classes:
                    parts.append(f'<span class="{classes}"{attr}>{body}</span>')
                else:
                    parts.append(body)
            cells.append(mark_safe("".join(parts)))
        rows.append((line, cells))
    return rows


def _review_items(text: str, rv: ar.Review, units) -> list[dict]:
    """Each listed unit with its quoted passage and each side's words."""
    items = []
    for unit in units:
        p = review_passage.passage(text, unit.start, unit.end, unit.coverage, unit.consensus)
        line_start = text.rfind("\n", 0, unit.start) + 1
        line_end = text.find("\n", unit.start)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        items.append(
            {
                "unit": unit,
                "passage": p,
                "lang": runs.line_language(line),
                "sides": [
                    (letter, la.label, quotes)
                    for letter, la, quotes in zip(ar.LETTERS, rv.layers, p.quotes, strict=False)
                ],
            }
        )
    return items


def _review_context(request, access, transcript, code_id, *, current=None, note=""):
    layers = ar.report_layers(access)
    compared = _review_layers(request, layers)
    if len(compared) < 2:
        raise Http404("Choose two coder layers to compare.")
    book = codebook(access.study)
    node = book.by_id.get(code_id)
    if node is None:
        raise Http404("No such code.")
    rv = ar.review(access.study, transcript, node, compared)
    show = request.GET.get("show") or request.POST.get("show") or "all"
    units = rv.units
    if show == "unsettled":
        units = [u for u in units if not u.settled and u.state != "agreed"]
    elif show == "disagreements":
        units = [u for u in units if u.state != "agreed"]
    if current is None:
        try:
            current = int(request.GET.get("unit", ""))
        except ValueError:
            current = None
    if current is None or not any(u.number == current for u in units):
        first = next((u for u in units if not u.settled and u.state != "agreed"), None)
        first = first or (units[0] if units else None)
        current = first.number if first else None
    numbers = [u.number for u in units]
    pos = numbers.index(current) if current in numbers else None
    prev_n = numbers[pos - 1] if pos is not None and pos > 0 else None
    next_n = numbers[pos + 1] if pos is not None and pos + 1 < len(numbers) else None
    base = reverse("coding:disagreements", args=[access.study.pk, transcript.pk, code_id])
    layer_q = _layer_query(compared)
    return {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "transcript": transcript,
        "code": node,
        "review": rv,
        "units": units,
        "items": _review_items(transcript.text, rv, units),
        "two_layers": len(compared) == 2,
        "show": show,
        "current": current,
        "prev_url": f"{base}?{layer_q}&show={show}&unit={prev_n}#unit-{prev_n}" if prev_n else "",
        "next_url": f"{base}?{layer_q}&show={show}&unit={next_n}#unit-{next_n}" if next_n else "",
        "base_url": base,
        "layer_query": layer_q,
        "rows": _side_by_side(transcript.text, rv, current),
        "can_decide": access.is_owner,
        "decisions": [
            (v, label, k)
            for (v, label), k in zip(
                [
                    (Decision.ACCEPT_A, "Accept A"),
                    (Decision.ACCEPT_B, "Accept B"),
                    (Decision.UNION, "Union"),
                    (Decision.INTERSECTION, "Intersection"),
                    (Decision.REJECT, "Neither"),
                ],
                "abuin",
                strict=True,
            )
        ],
        "lettered_layers": list(zip(ar.LETTERS, compared, strict=False)),
        "note": note,
        "report_url": reverse("coding:agreement_report", args=[access.study.pk])
        + f"?{layer_q}&focus={code_id}",
    }


def _transcript(access, transcript_id) -> Transcript:
    try:
        return access.study.transcripts.get(pk=transcript_id)
    except (Transcript.DoesNotExist, ValueError):
        raise Http404("No such transcript.") from None


@login_required
@require_GET
def disagreements(request, study_id: int, transcript_id: int, code_id: int):
    access = _reader(request, study_id)
    transcript = _transcript(access, transcript_id)
    context = _review_context(request, access, transcript, code_id)
    if request.htmx:
        return HttpResponse(render_to_string(f"{REVIEW_TEMPLATE}#review", context, request=request))
    return render(request, REVIEW_TEMPLATE, context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _after_write(request, access, transcript, code_id, *, current, note, event):
    if request.htmx:
        context = _review_context(request, access, transcript, code_id, current=current, note=note)
        response = HttpResponse(
            render_to_string(f"{REVIEW_TEMPLATE}#review", context, request=request)
        )
        return trigger_client_event(response, event)
    messages.success(request, note)
    layers = request.POST.getlist("layers")
    q = urlencode(
        [("layers", k) for k in layers]
        + [("show", request.POST.get("show", "all"))]
        + ([("unit", current)] if current else [])
    )
    url = reverse("coding:disagreements", args=[access.study.pk, transcript.pk, code_id])
    return redirect(f"{url}?{q}" + (f"#unit-{current}" if current else ""))


def _next_unsettled(rv: ar.Review, after: int) -> int | None:
    pending = [u for u in rv.units if not u.settled and u.state != "agreed"]
    later = [u for u in pending if u.start >= after]
    chosen = (later or pending or [None])[0]
    return chosen.number if chosen else None


@login_required
@require_POST
def consensus_decide(request, study_id: int):
    access = get_study_for_user(request, study_id, owner=True)
    transcript = _transcript(access, request.POST.get("transcript"))
    code_id = _int(request.POST.get("code"))
    code = access.study.codes.filter(pk=code_id).first()
    if code is None:
        raise Http404("No such code.")
    layers = _review_layers(request, ar.report_layers(access))
    start, end = _int(request.POST.get("start")), _int(request.POST.get("end"))
    action = request.POST.get("action", "")
    try:
        if start is None or end is None:
            raise ValidationError("The passage is missing its offsets.")
        decision = consensus.consensus_decide(
            study=access.study,
            transcript=transcript,
            code=code,
            layers=layers,
            start=start,
            end=end,
            action=action,
            rationale=request.POST.get("rationale", ""),
            edit_start=_int(request.POST.get("edit_start")),
            edit_end=_int(request.POST.get("edit_end")),
            edit_quote=request.POST.get("edit_quote") or None,
            actor=request.user,
        )
    except ValidationError as exc:
        note = " ".join(exc.messages)
        if request.htmx:
            context = _review_context(request, access, transcript, code.pk, note=note)
            context["error"] = note
            return HttpResponse(
                render_to_string(f"{REVIEW_TEMPLATE}#review", context, request=request)
            )
        messages.error(request, note)
        return _after_write(
            request, access, transcript, code.pk, current=None, note=note, event="consensus-error"
        )
    rv = ar.review(access.study, transcript, code, layers)
    label = Decision(decision.action).label
    note = f"Saved: {label} for {code.name} at {start}–{end}. Undo is next to the unit."
    return _after_write(
        request,
        access,
        transcript,
        code.pk,
        current=_next_unsettled(rv, end),
        note=note,
        event="consensus-changed",
    )


@login_required
@require_POST
def consensus_undo(request, study_id: int, decision_id: int):
    access = get_study_for_user(request, study_id, owner=True)
    try:
        decision = ConsensusDecision.objects.select_related("study", "code").get(
            pk=decision_id, study=access.study
        )
    except ConsensusDecision.DoesNotExist:
        raise Http404("No such decision.") from None
    consensus.consensus_undo(decision=decision, actor=request.user)
    transcript = _transcript(access, decision.transcript_id)
    rv = ar.review(
        access.study, transcript, decision.code, _review_layers(request, ar.report_layers(access))
    )
    unit = next((u for u in rv.units if u.start == decision.start and u.end == decision.end), None)
    note = f"Undone: {decision.get_action_display()} for {decision.code.name} at {decision.start}–{decision.end}."
    return _after_write(
        request,
        access,
        transcript,
        decision.code_id,
        current=unit.number if unit else None,
        note=note,
        event="consensus-changed",
    )


@login_required
@require_POST
def consensus_copy_agreed(request, study_id: int):
    access = get_study_for_user(request, study_id, owner=True)
    layers = _review_layers(request, ar.report_layers(access))
    transcript_id = _int(request.POST.get("transcript"))
    code_id = _int(request.POST.get("code"))
    scope = (
        ar.Scope(transcripts=[transcript_id])
        if transcript_id
        else ar.Scope(
            groups=[int(v) for v in request.POST.getlist("group") if v.isdigit()],
            waves=[int(v) for v in request.POST.getlist("wave") if v.isdigit()],
            participants=[int(v) for v in request.POST.getlist("participant") if v.isdigit()],
            transcripts=[int(v) for v in request.POST.getlist("scope_transcript") if v.isdigit()],
        )
    )
    code_ids = None
    if code_id:
        code_ids = [code_id]
    elif _int(request.POST.get("root_code")):
        code_ids = list(codebook(access.study).subtree_ids(int(request.POST["root_code"])))
    try:
        created = consensus.consensus_copy_agreed(
            study=access.study, layers=layers, scope=scope, code_ids=code_ids, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        created = None
    if created is not None:
        n = len(created)
        messages.success(
            request,
            f"Copied {n} agreed passage{'s' if n != 1 else ''} into the consensus layer."
            if n
            else "Nothing to copy: every agreed passage is already in consensus.",
        )
    if transcript_id and code_id:
        url = reverse("coding:disagreements", args=[study_id, transcript_id, code_id])
        return redirect(f"{url}?{_layer_query(layers)}")
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("coding:agreement_report", study_id)


@login_required
@require_GET
def consensus_progress(request, study_id: int):
    """The dashboard's consensus section (loaded by htmx, or a page of its own)."""
    access = get_study_for_user(request, study_id)
    allowed = access.is_owner or (access.can_read_agreement and not access.blind)
    context = {
        "study": access.study,
        "access": access,
        "tab": "agreement",
        "allowed": allowed,
        "progress": ar.consensus_progress(access) if allowed else None,
    }
    if request.htmx:
        return HttpResponse(
            render_to_string("coding/agreement_progress.html#progress", context, request=request)
        )
    return render(request, "coding/agreement_progress.html", context)


urlpatterns = [
    path("studies/<int:study_id>/agreement/", agreement_report, name="agreement_report"),
    path("studies/<int:study_id>/agreement/export/", agreement_export, name="agreement_export"),
    path(
        "studies/<int:study_id>/agreement/transcripts/<int:transcript_id>/codes/<int:code_id>/",
        disagreements,
        name="disagreements",
    ),
    path("studies/<int:study_id>/consensus/decide/", consensus_decide, name="consensus_decide"),
    path(
        "studies/<int:study_id>/consensus/copy-agreed/",
        consensus_copy_agreed,
        name="consensus_copy_agreed",
    ),
    path(
        "studies/<int:study_id>/consensus/decisions/<int:decision_id>/undo/",
        consensus_undo,
        name="consensus_undo",
    ),
    path(
        "studies/<int:study_id>/consensus/progress/",
        consensus_progress,
        name="consensus_progress",
    ),
]
