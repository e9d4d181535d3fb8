"""Coded retrieval (segments of a code, with context; CSV/XLSX export).

Permissions come from :mod:`studies.access` only: :func:`coding.retrieval.selectors.retrieve`
filters out hidden layers in SQL, so a fragment requested alone shows exactly what the page
would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from coding import exports, selectors, services
from coding.compare import UNION as UNION_KEY
from coding.models import Layer, LayerKind, Segment
from coding.retrieval.selectors import (
    EXPORT_HEADER,
    RetrievalFilters,
    code_ids_for,
    export_rows,
    retrieve,
    segment_link,
)
from studies.access import (
    StudyAccess,
    get_study_for_user,
)
from studies.models import Participant

PAGE_SIZE = 100
CONTEXT_CHARS = 120
RETRIEVAL_TEMPLATE = "coding/retrieval.html"


def _maybe_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# --- coded retrieval ------------------------------------------------------------------


@dataclass
class RetrievalState:
    """The request's filters resolved against what the requester may see (5 queries)."""

    filters: RetrievalFilters
    book: selectors.Codebook
    layers: list[Layer]
    groups: list
    waves: list
    participants: list
    code_ids: list[int]
    chosen_layers: list[Layer] | None
    errors: list[str]

    @property
    def code_path(self) -> str:
        return self.book.path(self.filters.code) if self.filters.code else ""

    def about(self) -> list[tuple[str, Any]]:
        """Label/value pairs describing the request, for the XLSX "About" sheet."""

        def name(items, pk):
            return next((str(i) for i in items if i.pk == pk), "All")

        layer = next((lr.label for lr in self.layers if lr.key == self.filters.layer), "")
        if self.filters.layer == UNION_KEY:
            layer = "Coders' union: " + ", ".join(lr.label for lr in self.chosen_layers or [])
        return [
            ("Code", self.code_path or "All codes"),
            ("Subcodes included", "yes" if self.filters.subtree else "no"),
            ("Group", name(self.groups, self.filters.group)),
            ("Wave", name(self.waves, self.filters.wave)),
            ("Participant", name(self.participants, self.filters.participant)),
            (
                "Layer",
                layer or "All layers you can see: " + ", ".join(lr.label for lr in self.layers),
            ),
        ]


def _retrieval_state(request: HttpRequest, access: StudyAccess) -> RetrievalState:
    study = access.study
    get = request.GET
    filters = RetrievalFilters(
        code=_int_or_none(get.get("code")),
        subtree=get.get("subtree") in ("1", "on", "true"),
        group=_int_or_none(get.get("group")),
        wave=_int_or_none(get.get("wave")),
        participant=_int_or_none(get.get("participant")),
        layer=(get.get("layer") or "").strip(),
        review=get.get("review") in ("1", "on", "true"),
    )
    book = selectors.codebook_for(access)
    layers = selectors.listed_layers(access)
    groups = list(study.groups.all())
    waves = list(study.waves.all())
    participants = list(Participant.objects.filter(study=study).only("pk", "pseudonym", "group_id"))
    errors: list[str] = []
    # Unknown ids are reported, never dropped: a silently ignored filter would show
    # more segments than the link that led here promised.
    for label, value, items, param in (
        ("code", filters.code, book.by_id, "code"),
        ("group", filters.group, {g.pk for g in groups}, "group"),
        ("wave", filters.wave, {w.pk for w in waves}, "wave"),
        ("participant", filters.participant, {p.pk for p in participants}, "participant"),
    ):
        if get.get(param) and (value is None or value not in items):
            errors.append(f"There is no {label} “{get.get(param)}” in this study.")
    chosen_layers = None
    if filters.layer == UNION_KEY:
        # The coders' union, as on the comparison pages: every coder and imported layer.
        chosen_layers = [lr for lr in layers if lr.kind != LayerKind.CONSENSUS]
    elif filters.layer:
        chosen_layers = [lr for lr in layers if lr.key == filters.layer]
        if not chosen_layers:
            errors.append(f"There is no layer “{filters.layer}” that you can see.")
    code_ids = code_ids_for(book, filters.code, subtree=filters.subtree) if filters.code else []
    return RetrievalState(
        filters=filters,
        book=book,
        layers=layers,
        groups=groups,
        waves=waves,
        participants=participants,
        code_ids=code_ids,
        chosen_layers=chosen_layers,
        errors=errors,
    )


def _segments(access: StudyAccess, state: RetrievalState, *, all_codes: bool, context: int):
    f = state.filters
    return retrieve(
        access,
        code_ids=None if (all_codes and f.code is None) else state.code_ids,
        group=f.group,
        wave=f.wave,
        participant=f.participant,
        layers=state.chosen_layers,
        needs_review=f.review,
        context_chars=context,
    )


@dataclass
class ResultRow:
    segment: Segment
    path: str
    link: str
    before: str
    after: str
    more_before: bool
    more_after: bool
    can_review: bool = False


def _trim_context(text: str, *, at_start: bool) -> str:
    """Cut a partial word off the outer end of a context snippet (not for CJK runs)."""
    if at_start:
        cut = text.find(" ", 0, 25)
        return text[cut + 1 :] if cut != -1 else text
    cut = text.rfind(" ", max(len(text) - 25, 0))
    return text[:cut] if cut != -1 else text


def _result_rows(study_id: int, segments, book, access: StudyAccess) -> list[ResultRow]:
    rows = []
    for seg in segments:
        before, after = seg.context_before or "", seg.context_after or ""
        more_before = seg.start - len(before) > 0
        more_after = seg.end + len(after) < (seg.transcript.length or 0)
        rows.append(
            ResultRow(
                segment=seg,
                path=book.path(seg.code_id) or seg.code.name,
                link=segment_link(study_id, seg),
                before=_trim_context(before, at_start=True) if more_before else before,
                after=_trim_context(after, at_start=False) if more_after else after,
                more_before=more_before,
                more_after=more_after,
                can_review=seg.needs_review and access.can_write_layer(seg.layer),
            )
        )
    return rows


def _retrieval_context(request: HttpRequest, access: StudyAccess) -> dict[str, Any]:
    study = access.study
    state = _retrieval_state(request, access)
    page = None
    rows: list[ResultRow] = []
    # "Needs review" lists every flagged passage, so it needs no code.
    if (state.filters.code is not None or state.filters.review) and not state.errors:
        paginator = Paginator(
            _segments(access, state, all_codes=True, context=CONTEXT_CHARS), PAGE_SIZE
        )
        page = paginator.get_page(request.GET.get("page"))
        rows = _result_rows(study.pk, page.object_list, state.book, access)
    base = reverse("coding:retrieval", args=[study.pk])
    query = state.filters.query()
    return {
        "study": study,
        "access": access,
        "tab": "retrieval",
        "state": state,
        "filters": state.filters,
        "codes": list(state.book.walk()),
        "page": page,
        "rows": rows,
        "base_url": base,
        "query": query,
        "csv_url": reverse("coding:retrieval_export", args=[study.pk, "csv"]) + f"?{query}",
        "xlsx_url": reverse("coding:retrieval_export", args=[study.pk, "xlsx"]) + f"?{query}",
        "codebook_url": _maybe_url("coding:codebook", study.pk),
    }


@login_required
@require_GET
def retrieval(request: HttpRequest, study_id: int) -> HttpResponse:
    access = get_study_for_user(request, study_id)
    ctx = _retrieval_context(request, access)
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, f"{RETRIEVAL_TEMPLATE}#retrieval-results", ctx)
    return render(request, RETRIEVAL_TEMPLATE, ctx)


@login_required
@require_GET
def retrieval_export(request: HttpRequest, study_id: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Export as .csv or .xlsx.")
    access = get_study_for_user(request, study_id)
    state = _retrieval_state(request, access)
    if state.errors:
        return HttpResponse(" ".join(state.errors), status=400, content_type="text/plain")
    # Without a code, the export holds every visible segment matching the other filters.
    segments = iter(_segments(access, state, all_codes=True, context=0))  # streamed
    rows = export_rows(segments, state.book)
    stem = slugify(f"{access.study.name} {state.code_path or 'all codes'}")[:80] or "segments"
    filename = f"{stem}-{timezone.localdate().isoformat()}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(filename, EXPORT_HEADER, rows)
    about = [
        ("Study", access.study.name),
        *state.about(),
        ("Exported by", request.user.get_username()),
    ]
    if access.blind:
        about.append(("Scope", "Blind coding: only your own layer."))
    return exports.xlsx_response(
        filename, [exports.Sheet("Segments", EXPORT_HEADER, rows)], about=about
    )


@login_required
@require_POST
def segment_reviewed(request: HttpRequest, study_id: int, segment_id: int) -> HttpResponse:
    """Mark a passage that a text edit changed as reviewed (its current words stand)."""
    access = get_study_for_user(request, study_id, write=True)
    segment = (
        Segment.objects.filter(pk=segment_id, transcript__study=access.study)
        .select_related("layer__user", "transcript__study")
        .first()
    )
    if segment is None or not access.can_see_layer(segment.layer):
        raise Http404("No such passage.")
    if not access.can_write_layer(segment.layer):
        raise PermissionDenied("You can only review passages in your own layer.")
    services.segment_mark_reviewed(segment=segment, actor=request.user)
    htmx = getattr(request, "htmx", None)
    if htmx:
        found = retrieve(
            access, code_ids=None, transcript=segment.transcript_id, context_chars=CONTEXT_CHARS
        )
        one = type(found)(found.segments.filter(pk=segment.pk), CONTEXT_CHARS)
        book = selectors.codebook_for(access)
        row = _result_rows(access.study.pk, one[0:1], book, access)[0]
        ctx = {"row": row, "filters": RetrievalFilters(), "reviewed": True, "study": access.study}
        return render(request, "coding/_retrieval_row.html", ctx)
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("coding:retrieval", args=[access.study.pk]) + "?review=1"
    return redirect(target)


urlpatterns = [
    path("studies/<int:study_id>/retrieval/", retrieval, name="retrieval"),
    path(
        "studies/<int:study_id>/retrieval/export.<str:fmt>",
        retrieval_export,
        name="retrieval_export",
    ),
    path(
        "studies/<int:study_id>/segments/<int:segment_id>/reviewed/",
        segment_reviewed,
        name="segment_reviewed",
    ),
]
