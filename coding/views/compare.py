"""Comparison pages: group x wave matrix, trajectories, co-occurrence, framework matrix.

Every page is one GET view whose table is a template partial (htmx swaps it when a
control changes) and whose ``?format=csv|xlsx|svg`` serves the same numbers as a file.
Permissions come from :mod:`studies.access` through :func:`coding.compare.layer_choice`,
so blind coders count only their own layer on pages, fragments and exports alike.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import escape
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from coding import compare, exports, svg
from coding.codebook import selectors as codebook_selectors
from coding.memos import services as memo_services
from coding.models import Code
from coding.retrieval import RetrievalFilters
from studies.access import StudyAccess, get_study_for_user

MATRIX_TEMPLATE = "coding/compare_matrix.html"
TRAJECTORY_TEMPLATE = "coding/compare_trajectory.html"
COOCCURRENCE_TEMPLATE = "coding/compare_cooccurrence.html"
PASSAGES_TEMPLATE = "coding/compare_passages.html"
FRAMEWORK_TEMPLATE = "coding/compare_framework.html"
FRAMEWORK_MAX_CODES = 8


# --- shared helpers --------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _choice(
    access: StudyAccess, request: HttpRequest, *, scope=None, requested: str | None = None
) -> tuple[compare.LayerChoice, str]:
    """The layer choice and an error line when the requested layer was not available.

    ``scope`` filters the transcripts the view counts (consensus coverage is measured on
    them, see :func:`coding.compare.layer_choice`)."""
    if requested is None:
        requested = request.GET.get("layer") or None
    try:
        return compare.layer_choice(access, requested, scope=scope), ""
    except LookupError:
        message = f"There is no layer “{requested}” that you can see: showing the default."
        return compare.layer_choice(access, None, scope=scope), message


def _group_wave_scope(group_id: int | None, wave_id: int | None) -> dict:
    scope: dict = {}
    if group_id is not None:
        scope["participant__group_id"] = group_id
    if wave_id is not None:
        scope["wave_id"] = wave_id
    return scope


def _retrieval_base(study_id: int) -> str:
    try:
        return reverse("coding:retrieval", args=[study_id])
    except NoReverseMatch:  # pragma: no cover - retrieval ships with the coding app
        return f"/studies/{study_id}/retrieval/"


def _filename(study, what: str, ext: str) -> str:
    return f"{slugify(study.name)[:40] or 'study'}-{what}.{ext}"


def _base_context(access: StudyAccess, choice: compare.LayerChoice, page: str, **extra) -> dict:
    return {
        "study": access.study,
        "access": access,
        "tab": "compare",
        "compare_page": page,
        "choice": choice,
        **extra,
    }


@vary_on_headers("HX-Request")
def _render(request: HttpRequest, template: str, partial: str, context: dict) -> HttpResponse:
    # A history restore (back button after hx-push-url) needs the whole page.
    htmx = request.htmx
    fragment = htmx and not htmx.history_restore_request
    return render(request, f"{template}#{partial}" if fragment else template, context)


def _about(access: StudyAccess, choice: compare.LayerChoice, *pairs) -> list[tuple[str, Any]]:
    return [
        ("Study", access.study.name),
        ("Layer", f"{choice.label} ({choice.key})"),
        *pairs,
        ("Layers counted", ", ".join(lr.label for lr in choice.layers) or "none"),
    ]


def _bins_style(scale: compare.HeatScale) -> list[dict]:
    return [
        {"index": b.index, "label": b.label, "bg": b.background, "fg": b.foreground}
        for b in scale.bins()
    ]


# --- 1. Group x wave matrix ----------------------------------------------------------------


MISSING_CELL = (
    '<td class="heat-missing num"><span aria-hidden="true">—</span>'
    '<span class="sr-only">not interviewed</span></td>'
)


def _heat_cell(text: str, href: str, label: str, bin_: compare.Bin) -> str:
    """One shaded cell linking to its segments. Rendered in Python: a matrix has
    hundreds of cells and the template engine would be the slowest part of the page."""
    return (
        f'<td class="heat-cell num" style="background: {bin_.background}; '
        f'color: {bin_.foreground}"><a href="{escape(href)}" title="{escape(label)}">'
        f"{escape(text)}</a></td>"
    )


def _matrix_view_rows(access, choice, m: compare.Matrix) -> list[dict]:
    """Each row's node and its cells as HTML (text, shade and retrieval link)."""
    base = _retrieval_base(access.study.pk)
    layer_key = choice.retrieval_key or ""
    bins = {b.index: b for b in m.scale.bins()}
    rows = []
    for row in m.rows:
        subtree = m.rollup and row.has_children
        cells = []
        for cell, col in zip(row.cells, m.columns, strict=True):
            if not cell.interviewed:
                cells.append(MISSING_CELL)
                continue
            query = RetrievalFilters(
                code=row.node.pk,
                subtree=subtree,
                group=col.group.pk,
                wave=col.wave.pk,
                layer=layer_key,
            ).query()
            cells.append(
                _heat_cell(
                    cell.text,
                    f"{base}?{query}",
                    f"{row.node.path}, {col.group.name}, {col.wave.name}",
                    bins[m.scale.bin_of(cell.value, cell.denominator)],
                )
            )
        rows.append({"node": row.node, "cells": mark_safe("".join(cells))})  # noqa: S308 - escaped above
    return rows


def _matrix_export_rows(m: compare.Matrix, paths: dict[int, str]):
    for row in m.rows:
        for cell, col in zip(row.cells, m.columns, strict=True):
            yield [
                row.node.pk,
                paths[row.node.pk],
                row.node.depth,
                col.group.name,
                col.wave.name,
                cell.value if cell.interviewed else None,
                cell.denominator,
                cell.percent,
                cell.text,
            ]


MATRIX_EXPORT_HEADER = [
    "code_id",
    "code_path",
    "depth",
    "group",
    "wave",
    "value",
    "participants_interviewed",
    "percent",
    "cell_as_shown",
]


@login_required
@require_GET
def compare_matrix(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    choice, error = _choice(access, request, scope=compare.PLACED)
    measure = compare.parse_measure(request.GET.get("measure"))
    rollup = compare.parse_flag(request.GET.get("rollup"), default=True)
    book = codebook_selectors.codebook_for(access)
    m = compare.matrix(access.study, choice, measure=measure, rollup=rollup, book=book)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        filename = _filename(access.study, f"matrix-{measure}-{choice.key}", fmt)
        rows = _matrix_export_rows(m, exports.code_paths(book))
        if fmt == "csv":
            return exports.csv_response(filename, MATRIX_EXPORT_HEADER, rows)
        about = _about(
            access,
            choice,
            ("Measure", compare.MEASURES[measure]),
            ("Parents", "roll up their subtree" if rollup else "own segments only"),
            ("Definitions", MEASURE_HELP[measure]),
        )
        sheet = exports.Sheet("Matrix", MATRIX_EXPORT_HEADER, rows)
        return exports.xlsx_response(filename, [sheet], about=about)
    context = _base_context(
        access,
        choice,
        "matrix",
        error=error,
        matrix=m,
        measure=measure,
        measure_label=compare.MEASURES[measure],
        measures=list(compare.MEASURES.items()),
        measure_help=MEASURE_HELP[measure],
        rollup=rollup,
        rows=_matrix_view_rows(access, choice, m),
        bins=_bins_style(m.scale),
        groups_span=[(g, len(m.frame.waves)) for g in m.frame.groups],
        query=urlencode({"layer": choice.key, "measure": measure, "rollup": int(rollup)}),
    )
    return _render(request, MATRIX_TEMPLATE, "matrix", context)


MEASURE_HELP = {
    "segments": (
        "Segments: coded passages. In the coders' union a passage coded identically "
        "(same transcript, code, start and end) by several coders counts once."
    ),
    "participants": (
        "Participants coded: participants with at least one segment, out of the "
        "participants of that group interviewed at that wave (n). A participant coded by "
        "several coders counts once."
    ),
    "transcripts": (
        "Transcripts coded: transcripts with at least one segment; a transcript coded by "
        "several coders counts once."
    ),
}


# --- 2. Trajectories -------------------------------------------------------------------------


def _trajectory_chart(t: compare.Trajectory, choice, *, standalone: bool = False) -> str:
    waves = [w.name for w in t.waves]
    series = []
    words = []
    for g in t.groups:
        series.append(svg.Series(label=g.group.name, values=list(g.percents)))
        points = ", ".join(
            f"{w}: {'not interviewed' if pct is None else f'{pct}% ({p} of {n})'}"
            for w, (p, n, pct) in zip(waves, g.waves, strict=True)
        )
        words.append(f"{g.group.name}: {points}.")
    title = f"Participants with ‘{t.code.path}’ per group across waves ({choice.label})"
    description = (
        "Percent of the participants of each group interviewed at each wave who have at "
        "least one segment of the code. " + " ".join(words)
    )
    return svg.line_chart(
        title=title,
        description=description,
        x_labels=waves,
        series=series,
        chart_id="trajectory-chart",
        standalone=standalone,
    )


def _wave_columns(t: compare.Trajectory, suffix: str = "") -> list[str]:
    """snake_case column names for the waves ("T1" -> "t1"), unique, ``wave_<n>`` when a
    name has no ASCII letters (e.g. Chinese)."""
    names: list[str] = []
    for i, w in enumerate(t.waves, start=1):
        name = exports.column_name(w.name, f"wave_{i}") + suffix
        names.append(name if name not in names else f"wave_{i}{suffix}")
    return names


def _trajectory_tables(t: compare.Trajectory):
    grid_header = ["group", "participant", *_wave_columns(t)]
    grid_rows = [
        [g.group.name, row.participant.pseudonym, *(p.text for p in row.points)]
        for g in t.groups
        for row in g.rows
    ]
    seg_header = ["group", "participant", *_wave_columns(t, "_segments")]
    seg_rows = [
        [
            g.group.name,
            row.participant.pseudonym,
            *(None if p.status == compare.ABSENT else p.segments for p in row.points),
        ]
        for g in t.groups
        for row in g.rows
    ]
    change_header = [
        "group",
        "from_wave",
        "to_wave",
        "gained",
        "kept",
        "lost",
        "never",
        "interviewed_at_both",
        "not_interviewed_at_one",
    ]
    change_rows = [
        [
            g.group.name,
            tr.before.name,
            tr.after.name,
            tr.gained,
            tr.kept,
            tr.lost,
            tr.never,
            tr.both,
            tr.missing,
        ]
        for g in t.groups
        for tr in g.transitions
    ]
    chart_header = [
        "group",
        "wave",
        "participants_with_code",
        "participants_interviewed",
        "percent",
    ]
    chart_rows = [
        [g.group.name, w.name, p, n, pct]
        for g in t.groups
        for w, (p, n, pct) in zip(t.waves, g.waves, strict=True)
    ]
    return {
        "grid": ("Participants", grid_header, grid_rows),
        "segments": ("Segments", seg_header, seg_rows),
        "changes": ("Changes", change_header, change_rows),
        "chart": ("Chart data", chart_header, chart_rows),
    }


@login_required
@require_GET
def compare_trajectory(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    choice, error = _choice(access, request, scope=compare.PLACED)
    book = codebook_selectors.codebook_for(access)
    code_id = _int(request.GET.get("code"))
    if code_id not in book.by_id:
        if request.GET.get("code"):
            error = error or "There is no such code in this study: showing the first code."
        code_id = book.roots[0].pk if book.roots else None
    subtree = compare.parse_flag(request.GET.get("subtree"), default=True)
    t = (
        compare.trajectory(access.study, choice, code_id, subtree=subtree, book=book)
        if code_id is not None
        else None
    )
    fmt = request.GET.get("format")
    if t is not None and fmt in ("csv", "xlsx", "svg"):
        stem = f"trajectory-{slugify(t.code.code.name)[:30]}-{choice.key}"
        if fmt == "svg":
            response = HttpResponse(
                _trajectory_chart(t, choice, standalone=True), content_type="image/svg+xml"
            )
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=_filename(access.study, stem, "svg")
            )
            return response
        tables = _trajectory_tables(t)
        if fmt == "csv":
            key = request.GET.get("table") if request.GET.get("table") in tables else "grid"
            _, header, rows = tables[key]
            return exports.csv_response(
                _filename(access.study, f"{stem}-{key}", "csv"), header, rows
            )
        sheets = [exports.Sheet(title, header, rows) for title, header, rows in tables.values()]
        about = _about(
            access,
            choice,
            ("Code", t.code.path),
            ("Subcodes included", "yes" if subtree else "no"),
        )
        return exports.xlsx_response(_filename(access.study, stem, "xlsx"), sheets, about=about)
    base = _retrieval_base(access.study.pk)
    grid = []
    if t is not None:
        for g in t.groups:
            rows = []
            for row in g.rows:
                cells = []
                for p in row.points:
                    href = ""
                    if p.status == compare.PRESENT:
                        href = (
                            base
                            + "?"
                            + RetrievalFilters(
                                code=t.code.pk,
                                subtree=subtree and bool(t.code.children),
                                participant=row.participant.pk,
                                wave=p.wave.pk,
                                layer=choice.retrieval_key or "",
                            ).query()
                        )
                    cells.append({"point": p, "href": href})
                rows.append({"participant": row.participant, "cells": cells})
            grid.append({"g": g, "rows": rows})
    context = _base_context(
        access,
        choice,
        "trajectory",
        error=error,
        t=t,
        grid=grid,
        subtree=subtree,
        codes=list(book.walk()),
        chart=mark_safe(_trajectory_chart(t, choice)) if t is not None else "",  # noqa: S308 - built from escaped text
        query=urlencode(
            {"layer": choice.key, "code": t.code.pk if t else "", "subtree": int(subtree)}
        ),
    )
    return _render(request, TRAJECTORY_TEMPLATE, "trajectory", context)


# --- 3. Co-occurrence ----------------------------------------------------------------------


def _filters(request: HttpRequest, frame: compare.Frame) -> tuple[int | None, int | None]:
    group_id = _int(request.GET.get("group"))
    wave_id = _int(request.GET.get("wave"))
    if group_id not in {g.pk for g in frame.groups}:
        group_id = None
    if wave_id not in {w.pk for w in frame.waves}:
        wave_id = None
    return group_id, wave_id


def _study_lists(access: StudyAccess) -> compare.Frame:
    """Groups and waves only (2 queries), in a Frame for :func:`_filters`."""
    return compare.Frame(
        groups=list(access.study.groups.all()),
        waves=list(access.study.waves.all()),
        participants=[],
        transcripts={},
        interviewed={},
        transcript_counts={},
        unplaced=0,
    )


COOCCURRENCE_EXPORT_HEADER = ["code_a_id", "code_a_path", "code_b_id", "code_b_path", "pairs"]


@login_required
@require_GET
def compare_cooccurrence(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    lists = _study_lists(access)
    group_id, wave_id = _filters(request, lists)
    choice, error = _choice(access, request, scope=_group_wave_scope(group_id, wave_id))
    book = codebook_selectors.codebook_for(access)
    co = compare.cooccurrence(access.study, choice, group_id=group_id, wave_id=wave_id, book=book)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        paths = exports.code_paths(book)
        # CSV in long form (one row per pair of codes): code paths are no column names.
        pairs = [
            [a.pk, paths[a.pk], b.pk, paths[b.pk], co.count(a.pk, b.pk)]
            for a in co.codes
            for b in co.codes
        ]
        filename = _filename(access.study, f"cooccurrence-{choice.key}", fmt)
        if fmt == "csv":
            return exports.csv_response(filename, COOCCURRENCE_EXPORT_HEADER, pairs)
        header = ["code", *(paths[node.pk] for node in co.codes)]
        rows = [[paths[a.pk], *(co.count(a.pk, b.pk) for b in co.codes)] for a in co.codes]
        about = _about(
            access,
            choice,
            ("Group", next((g.name for g in lists.groups if g.pk == group_id), "All groups")),
            ("Wave", next((w.name for w in lists.waves if w.pk == wave_id), "All waves")),
            ("Cell", "pairs of segments overlapping in the same layer and transcript"),
        )
        sheets = [
            exports.Sheet("Co-occurrence", header, rows),
            exports.Sheet("Pairs", COOCCURRENCE_EXPORT_HEADER, pairs),
        ]
        return exports.xlsx_response(filename, sheets, about=about)
    passages = reverse("coding:compare_passages", args=[access.study.pk])
    common = {"layer": choice.key}
    if group_id:
        common["group"] = group_id
    if wave_id:
        common["wave"] = wave_id
    bins = {b.index: b for b in co.scale.bins()}
    rows = []
    for a in co.codes:
        cells = []
        for b in co.codes:
            n = co.count(a.pk, b.pk)
            if not n:
                cells.append('<td class="num muted">0</td>')
                continue
            href = f"{passages}?{urlencode({**common, 'a': a.pk, 'b': b.pk})}"
            cells.append(
                _heat_cell(str(n), href, f"{a.path} with {b.path}", bins[co.scale.bin_of(n)])
            )
        rows.append({"node": a, "cells": mark_safe("".join(cells))})  # noqa: S308 - escaped above
    context = _base_context(
        access,
        choice,
        "cooccurrence",
        error=error,
        co=co,
        rows=rows,
        bins=_bins_style(co.scale),
        groups=lists.groups,
        waves=lists.waves,
        group_id=group_id,
        wave_id=wave_id,
        query=urlencode(common),
    )
    return _render(request, COOCCURRENCE_TEMPLATE, "cooccurrence", context)


@login_required
@require_GET
def compare_passages(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    lists = _study_lists(access)
    group_id, wave_id = _filters(request, lists)
    choice, error = _choice(access, request, scope=_group_wave_scope(group_id, wave_id))
    book = codebook_selectors.codebook_for(access)
    a, b = _int(request.GET.get("a")), _int(request.GET.get("b"))
    if a not in book.by_id or b not in book.by_id:
        raise Http404("No such code.")
    passages = compare.overlap_passages(
        access.study, choice, a, b, group_id=group_id, wave_id=wave_id
    )
    links = []
    for p in passages:
        url = reverse("coding:transcript_code", args=[access.study.pk, p.transcript_id])
        query = urlencode({"layer": p.layer.key, "focus": p.a.pk})
        links.append({"p": p, "href": f"{url}?{query}#seg-{p.a.pk}"})
    context = _base_context(
        access,
        choice,
        "cooccurrence",
        error=error,
        a=book.by_id[a],
        b=book.by_id[b],
        passages=links,
        group=next((g for g in lists.groups if g.pk == group_id), None),
        wave=next((w for w in lists.waves if w.pk == wave_id), None),
        back=reverse("coding:compare_cooccurrence", args=[access.study.pk])
        + "?"
        + urlencode({k: v for k, v in request.GET.items() if k in ("layer", "group", "wave")}),
    )
    return render(request, PASSAGES_TEMPLATE, context)


# --- 4. Framework matrix ------------------------------------------------------------------


def _framework_params(request, book, frame) -> tuple[int | None, list[int], bool]:
    data = request.POST if request.method == "POST" else request.GET
    wave_id = _int(data.get("wave"))
    if wave_id not in {w.pk for w in frame.waves}:
        wave_id = frame.waves[0].pk if frame.waves else None
    codes = [c for c in (_int(v) for v in data.getlist("codes")) if c in book.by_id]
    codes = list(dict.fromkeys(codes))[:FRAMEWORK_MAX_CODES]
    if not codes:
        codes = [node.pk for node in book.roots[:FRAMEWORK_MAX_CODES]]
    subtree = compare.parse_flag(data.get("subtree"), default=True)
    return wave_id, codes, subtree


def _framework_context(request, access, *, saved=None) -> dict:
    book = codebook_selectors.codebook_for(access)
    frame = compare.study_frame(access.study)
    wave_id, codes, subtree = _framework_params(request, book, frame)
    data = request.POST if request.method == "POST" else request.GET
    choice, error = _choice(
        access,
        request,
        scope=compare.PLACED & Q(wave_id=wave_id),
        requested=data.get("layer") or "",
    )
    # Summaries are written while reading every layer: blind coders do not see them.
    fw = compare.framework(
        access.study,
        choice,
        wave_id=wave_id,
        code_ids=codes,
        subtree=subtree,
        with_summaries=not access.blind,
        book=book,
        frame=frame,
    )
    query = urlencode(
        [("layer", choice.key), ("wave", wave_id or ""), ("subtree", int(subtree))]
        + [("codes", c) for c in codes]
    )
    return _base_context(
        access,
        choice,
        "framework",
        error=error,
        fw=fw,
        codes=list(book.walk()),
        chosen=set(codes),
        waves=frame.waves,
        wave_id=wave_id,
        subtree=subtree,
        can_summarise=access.is_owner,
        show_summaries=not access.blind,
        max_codes=FRAMEWORK_MAX_CODES,
        paths=exports.code_paths(book),
        query=query,
        saved=saved,
    )


def _framework_export_rows(fw: compare.Framework, paths: dict[int, str]):
    for g in fw.groups:
        for row in g.rows:
            for node, cell in zip(fw.codes, row.cells, strict=True):
                yield [
                    g.group.name,
                    row.participant.pseudonym,
                    fw.wave.name if fw.wave else None,
                    paths[node.pk],
                    cell.interviewed,
                    len(cell.quotes) if cell.interviewed else None,
                    cell.summary.body if cell.summary else None,
                    "\n\n".join(q["quote"] for q in cell.quotes),
                ]


FRAMEWORK_EXPORT_HEADER = [
    "group",
    "participant",
    "wave",
    "code_path",
    "interviewed",
    "segments",
    "summary",
    "quotes",
]


@login_required
@require_GET
def compare_framework(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    context = _framework_context(request, access)
    choice = context["choice"]
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        fw = context["fw"]
        stem = f"framework-{slugify(fw.wave.name) if fw.wave else 'no-wave'}-{choice.key}"
        filename = _filename(access.study, stem, fmt)
        rows = _framework_export_rows(fw, context["paths"])
        if fmt == "csv":
            return exports.csv_response(filename, FRAMEWORK_EXPORT_HEADER, rows)
        about = _about(
            access,
            choice,
            ("Wave", fw.wave.name if fw.wave else ""),
            ("Codes", "; ".join(context["paths"][n.pk] for n in fw.codes)),
            ("Subcodes included", "yes" if fw.subtree else "no"),
        )
        return exports.xlsx_response(
            filename, [exports.Sheet("Framework", FRAMEWORK_EXPORT_HEADER, rows)], about=about
        )
    return _render(request, FRAMEWORK_TEMPLATE, "framework", context)


@login_required
@require_POST
def compare_framework_summary(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    participant = study.participants.filter(pk=_int(request.POST.get("participant"))).first()
    wave = study.waves.filter(pk=_int(request.POST.get("wave"))).first()
    code = Code.objects.filter(study=study, pk=_int(request.POST.get("code"))).first()
    if participant is None or wave is None or code is None:
        raise Http404("No such cell.")
    error = ""
    try:
        memo_services.framework_summary_save(
            study=study,
            participant=participant,
            code=code,
            wave=wave,
            body=request.POST.get("body", ""),
            author=request.user,
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    back = reverse("coding:compare_framework", args=[study.pk])
    query = urlencode(
        [
            ("layer", request.POST.get("layer", "")),
            ("wave", wave.pk),
            ("subtree", request.POST.get("subtree", "1")),
        ]
        + [("codes", c) for c in request.POST.getlist("codes")]
    )
    if not request.htmx:
        return redirect(f"{back}?{query}#cell-{participant.pk}-{code.pk}")
    # htmx: the one cell, re-rendered from the same data as the page.
    context = _framework_context(
        request, access, saved=(participant.pk, code.pk) if not error else None
    )
    cell = next(
        (
            (row, c)
            for g in context["fw"].groups
            for row in g.rows
            for c in row.cells
            if row.participant.pk == participant.pk and c.code_id == code.pk
        ),
        None,
    )
    if cell is None:
        raise Http404("No such cell.")
    context.update(row=cell[0], cell=cell[1], cell_error=error, draft=request.POST.get("body", ""))
    return render(request, f"{FRAMEWORK_TEMPLATE}#framework-cell", context)


urlpatterns = [
    path("studies/<int:study_id>/compare/", compare_matrix, name="compare_matrix"),
    path(
        "studies/<int:study_id>/compare/trajectories/",
        compare_trajectory,
        name="compare_trajectory",
    ),
    path(
        "studies/<int:study_id>/compare/cooccurrence/",
        compare_cooccurrence,
        name="compare_cooccurrence",
    ),
    path(
        "studies/<int:study_id>/compare/cooccurrence/passages/",
        compare_passages,
        name="compare_passages",
    ),
    path(
        "studies/<int:study_id>/compare/framework/",
        compare_framework,
        name="compare_framework",
    ),
    path(
        "studies/<int:study_id>/compare/framework/summary/",
        compare_framework_summary,
        name="compare_framework_summary",
    ),
]
