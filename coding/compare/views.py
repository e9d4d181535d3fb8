"""Comparison pages: group x wave matrix, trajectories, co-occurrence, framework matrix.

Every page is one GET view whose table is a template partial (htmx swaps it when a
control changes) and whose ``?format=csv|xlsx|svg`` serves the same numbers as a file
(:mod:`coding.compare.exports`). Permissions come from :mod:`studies.access` through
:func:`coding.compare.layers.layer_choice`, so blind coders count only their own layer on
pages, fragments and exports alike. Each view: access → parameters → one selector →
the page (:mod:`coding.compare.pages`) or the file.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from coding import exports
from coding.codebook import selectors as codebook_selectors
from coding.compare import cuts, pages
from coding.compare import exports as files
from coding.compare import services as compare_services
from coding.compare.cooccurrence import cooccurrence, overlap_passages
from coding.compare.frame import Frame
from coding.compare.framework import framework
from coding.compare.layers import PLACED, LayerChoice, layer_choice
from coding.compare.matrix import MEASURE_HELP, MEASURES, matrix, parse_measure
from coding.compare.trajectory import trajectory
from coding.exports import header_language
from coding.models import Code
from studies import languages
from studies.access import StudyAccess, get_study_for_user
from workbench.lib.http import HtmxHttpRequest, flag_param, int_param, render_page_or_partial

MATRIX_TEMPLATE = "coding/compare/matrix.html"
TRAJECTORY_TEMPLATE = "coding/compare/trajectory.html"
COOCCURRENCE_TEMPLATE = "coding/compare/cooccurrence.html"
PASSAGES_TEMPLATE = "coding/compare/passages.html"
FRAMEWORK_TEMPLATE = "coding/compare/framework.html"
FRAMEWORK_MAX_CODES = 8


# --- parameters ------------------------------------------------------------------------


def _choice(
    access: StudyAccess,
    request: HttpRequest,
    *,
    scope: dict | Q | None = None,
    requested: str | None = None,
) -> tuple[LayerChoice, str]:
    """The layer choice and an error line when the requested layer was not available.

    ``scope`` filters the transcripts the view counts (consensus coverage is measured on
    them, see :func:`coding.compare.layers.layer_choice`)."""
    if requested is None:
        requested = request.GET.get("layer") or None
    try:
        return layer_choice(access, requested, scope=scope), ""
    except LookupError:
        message = gettext(
            "There is no layer “%(layer)s” that you can see: showing the default."
        ) % {"layer": requested}
        return layer_choice(access, None, scope=scope), message


def _group_wave_scope(group_id: int | None, wave_id: int | None) -> dict:
    scope: dict = {}
    if group_id is not None:
        scope["participant__group_id"] = group_id
    if wave_id is not None:
        scope["wave_id"] = wave_id
    return scope


def _filters(request: HttpRequest, frame: Frame) -> tuple[int | None, int | None]:
    """The ``group`` and ``wave`` filters, None for all (or for an id not in the study)."""
    group_id = int_param(request.GET.get("group"))
    wave_id = int_param(request.GET.get("wave"))
    if group_id not in {g.pk for g in frame.groups}:
        group_id = None
    if wave_id not in {w.pk for w in frame.waves}:
        wave_id = None
    return group_id, wave_id


def _study_lists(access: StudyAccess) -> Frame:
    """Groups and waves only (2 queries), in a Frame for :func:`_filters`."""
    return Frame(
        groups=list(access.study.groups.all()),
        waves=list(access.study.waves.all()),
        participants=[],
        transcripts={},
        interviewed={},
        transcript_counts={},
        unplaced=0,
    )


def _framework_params(
    request: HttpRequest, book: codebook_selectors.Codebook, frame: Frame
) -> tuple[int | None, list[int], bool]:
    """The framework's wave (the first by default), up to 8 column codes (the first roots
    by default) and whether columns include their subcodes; from the form on a POST."""
    data = request.POST if request.method == "POST" else request.GET
    wave_id = int_param(data.get("wave"))
    if wave_id not in {w.pk for w in frame.waves}:
        wave_id = frame.waves[0].pk if frame.waves else None
    codes = [c for c in (int_param(v) for v in data.getlist("codes")) if c in book.by_id]
    codes = list(dict.fromkeys(codes))[:FRAMEWORK_MAX_CODES]
    if not codes:
        codes = [node.pk for node in book.roots[:FRAMEWORK_MAX_CODES]]
    subtree = flag_param(data.get("subtree"), default=True)
    return wave_id, codes, subtree


def _reader_language(access: StudyAccess, book) -> None:
    """Tables on the page name codes in the reader's codebook language (bilingual codebooks:
    ``coding.codebook.selectors.localise``); exports keep the study's first language."""
    codebook_selectors.localise(book, languages.for_study(access.study))


# --- 1. Group x wave matrix ----------------------------------------------------------------


@login_required
@require_GET
def compare_matrix(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    choice, error = _choice(access, request, scope=PLACED)
    measure = parse_measure(request.GET.get("measure"))
    rollup = flag_param(request.GET.get("rollup"), default=True)
    book = codebook_selectors.codebook_for(access)
    cut = cuts.cut_from(access.study, request.GET)
    error = " ".join([error, *cut.errors]).strip()
    m = matrix(
        access.study,
        choice,
        measure=measure,
        rollup=rollup,
        book=book,
        frame=cut.frame(access.study),
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        with header_language(request):
            return files.matrix_file(access, choice, m, exports.code_paths(book), fmt)
    _reader_language(access, book)
    context = pages.base_context(
        access,
        choice,
        "matrix",
        error=error,
        matrix=m,
        measure=measure,
        measure_label=MEASURES[measure],
        measures=list(MEASURES.items()),
        measure_help=MEASURE_HELP[measure],
        rollup=rollup,
        rows=pages.matrix_rows(access, choice, m, cut.restrict),
        bins=pages.bins_style(m.scale),
        groups_span=[(g, len(m.frame.waves)) for g in m.frame.groups],
        cut=cut,
        query=urlencode(
            {"layer": choice.key, "measure": measure, "rollup": int(rollup), **cut.params()}
        ),
    )
    return render_page_or_partial(request, MATRIX_TEMPLATE, "matrix", context)


# --- 2. Trajectories -------------------------------------------------------------------------


@login_required
@require_GET
def compare_trajectory(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    choice, error = _choice(access, request, scope=PLACED)
    book = codebook_selectors.codebook_for(access)
    code_id = int_param(request.GET.get("code"))
    if code_id not in book.by_id:
        if request.GET.get("code"):
            error = error or gettext("There is no such code in this study: showing the first code.")
        code_id = book.roots[0].pk if book.roots else None
    subtree = flag_param(request.GET.get("subtree"), default=True)
    cut = cuts.cut_from(access.study, request.GET)
    error = " ".join([error, *cut.errors]).strip()
    t = (
        trajectory(
            access.study, choice, code_id, subtree=subtree, book=book, frame=cut.frame(access.study)
        )
        if code_id is not None
        else None
    )
    fmt = request.GET.get("format")
    if t is not None and fmt in ("csv", "xlsx", "svg"):
        with header_language(request):
            return files.trajectory_file(access, choice, t, fmt, request.GET.get("table"))
    _reader_language(access, book)
    context = pages.base_context(
        access,
        choice,
        "trajectory",
        error=error,
        t=t,
        grid=pages.trajectory_grid(access, choice, t, cut.restrict) if t is not None else [],
        cut=cut,
        subtree=subtree,
        codes=list(book.walk()),
        chart=pages.trajectory_chart_html(t, choice) if t is not None else "",
        query=urlencode(
            {
                "layer": choice.key,
                "code": t.code.pk if t else "",
                "subtree": int(subtree),
                **cut.params(),
            }
        ),
    )
    return render_page_or_partial(request, TRAJECTORY_TEMPLATE, "trajectory", context)


# --- 3. Co-occurrence ----------------------------------------------------------------------


@login_required
@require_GET
def compare_cooccurrence(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    lists = _study_lists(access)
    group_id, wave_id = _filters(request, lists)
    choice, error = _choice(access, request, scope=_group_wave_scope(group_id, wave_id))
    book = codebook_selectors.codebook_for(access)
    cut = cuts.cut_from(access.study, request.GET, allow_by=False)
    error = " ".join([error, *cut.errors]).strip()
    co = cooccurrence(
        access.study,
        choice,
        group_id=group_id,
        wave_id=wave_id,
        participants=cut.participants,
        transcripts=cut.transcripts,
        book=book,
    )
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        with header_language(request):
            return files.cooccurrence_file(
                access,
                choice,
                co,
                exports.code_paths(book),
                fmt,
                group=next(
                    (g.name for g in lists.groups if g.pk == group_id), gettext("All groups")
                ),
                wave=next((w.name for w in lists.waves if w.pk == wave_id), gettext("All waves")),
            )
    _reader_language(access, book)
    common = {"layer": choice.key}
    if group_id:
        common["group"] = group_id
    if wave_id:
        common["wave"] = wave_id
    common.update(cut.params())
    context = pages.base_context(
        access,
        choice,
        "cooccurrence",
        error=error,
        co=co,
        rows=pages.cooccurrence_rows(access, co, common),
        bins=pages.bins_style(co.scale),
        groups=lists.groups,
        waves=lists.waves,
        group_id=group_id,
        wave_id=wave_id,
        cut=cut,
        query=urlencode(common),
    )
    return render_page_or_partial(request, COOCCURRENCE_TEMPLATE, "cooccurrence", context)


@login_required
@require_GET
def compare_passages(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    lists = _study_lists(access)
    group_id, wave_id = _filters(request, lists)
    choice, error = _choice(access, request, scope=_group_wave_scope(group_id, wave_id))
    book = codebook_selectors.codebook_for(access)
    a, b = int_param(request.GET.get("a")), int_param(request.GET.get("b"))
    if a not in book.by_id or b not in book.by_id:
        raise Http404("No such code.")
    cut = cuts.cut_from(access.study, request.GET, allow_by=False)
    passages = overlap_passages(
        access.study,
        choice,
        a,
        b,
        group_id=group_id,
        wave_id=wave_id,
        participants=cut.participants,
        transcripts=cut.transcripts,
    )
    back_query = urlencode(
        {
            **{k: v for k, v in request.GET.items() if k in ("layer", "group", "wave")},
            **cut.params(),
        }
    )
    context = pages.base_context(
        access,
        choice,
        "cooccurrence",
        error=error,
        a=book.by_id[a],
        b=book.by_id[b],
        passages=pages.passage_links(access, passages),
        group=next((g for g in lists.groups if g.pk == group_id), None),
        wave=next((w for w in lists.waves if w.pk == wave_id), None),
        cut=cut,
        back=reverse("coding:compare_cooccurrence", args=[access.study.pk]) + "?" + back_query,
    )
    return render(request, PASSAGES_TEMPLATE, context)


# --- 4. Framework matrix ------------------------------------------------------------------


def _framework_context(
    request: HttpRequest, access: StudyAccess, *, saved: tuple[int, int] | None = None
) -> dict:
    book = codebook_selectors.codebook_for(access)
    data = request.POST if request.method == "POST" else request.GET
    cut = cuts.cut_from(access.study, data)
    frame = cut.frame(access.study)
    wave_id, codes, subtree = _framework_params(request, book, frame)
    choice, error = _choice(
        access,
        request,
        scope=PLACED & Q(wave_id=wave_id),
        requested=data.get("layer") or "",
    )
    # Summaries are written while reading every layer: blind coders do not see them.
    fw = framework(
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
        + list(cut.params().items())
    )
    return pages.base_context(
        access,
        choice,
        "framework",
        error=" ".join([error, *cut.errors]).strip(),
        cut=cut,
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


@login_required
@require_GET
def compare_framework(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    context = _framework_context(request, access)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        with header_language(request):
            return files.framework_file(
                access, context["choice"], context["fw"], context["paths"], fmt
            )
    return render_page_or_partial(request, FRAMEWORK_TEMPLATE, "framework", context)


@login_required
@require_POST
def compare_framework_summary(request: HtmxHttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id, owner=True)
    study = access.study
    participant = study.participants.filter(pk=int_param(request.POST.get("participant"))).first()
    wave = study.waves.filter(pk=int_param(request.POST.get("wave"))).first()
    code = Code.objects.filter(study=study, pk=int_param(request.POST.get("code"))).first()
    if participant is None or wave is None or code is None:
        raise Http404("No such cell.")
    error = ""
    try:
        compare_services.framework_summary_save(
            study=study,
            participant=participant,
            code=code,
            wave=wave,
            body=request.POST.get("body", ""),
            author=request.user,
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:
        back = reverse("coding:compare_framework", args=[study.pk])
        query = urlencode(
            [
                ("layer", request.POST.get("layer", "")),
                ("wave", wave.pk),
                ("subtree", request.POST.get("subtree", "1")),
            ]
            + [("codes", c) for c in request.POST.getlist("codes")]
            + list(cuts.cut_from(study, request.POST).params().items())
        )
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
