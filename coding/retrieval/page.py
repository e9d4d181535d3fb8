"""What the retrieval page shows of each segment: its code path, link and trimmed context.

A page is 100 passages, each with up to 120 code points of context either side (trimmed
to whole words on the outer ends, except in CJK runs): about a paragraph per passage, the
"coding stripe with context" of NVivo's and MAXQDA's retrieval, read in the page itself.
Rows are plain values (:class:`coding.retrieval.selectors.Passage`) with every string the
row template prints already worked out, so the template loop does no lookups through
models and no filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode

from coding.codebook.selectors import Codebook
from coding.models import Layer, Segment
from coding.retrieval.selectors import Passage, Retrieval, retrieve
from studies.access import StudyAccess

PAGE_SIZE = 100
CONTEXT_CHARS = 120


@dataclass(slots=True)
class ResultRow:
    """One passage as the row template prints it (``coding/retrieval/_retrieval_row.html``)."""

    pk: int
    start: int
    end: int
    quote: str
    quote_at_coding: str
    memo: str
    needs_review: bool
    pseudonym: str
    group_name: str
    wave_name: str
    title: str
    layer_label: str
    code_color: str
    path: str
    link: str
    before: str
    after: str
    more_before: bool
    more_after: bool
    can_review: bool = False


class PassagePages:
    """A :class:`Retrieval` read as :class:`Passage` rows, for a Paginator (which counts
    with ``count()`` and slices)."""

    def __init__(self, retrieval: Retrieval):
        self.retrieval = retrieval

    def count(self) -> int:
        return self.retrieval.count()

    def __getitem__(self, index: slice) -> list[Passage]:
        return self.retrieval.passages(index.start or 0, index.stop)


def _trim_context(text: str, *, at_start: bool) -> str:
    """Cut a partial word off the outer end of a context snippet (not for CJK runs)."""
    if at_start:
        cut = text.find(" ", 0, 25)
        return text[cut + 1 :] if cut != -1 else text
    cut = text.rfind(" ", max(len(text) - 25, 0))
    return text[:cut] if cut != -1 else text


def result_rows(
    access: StudyAccess,
    passages: Iterable[Passage],
    book: Codebook,
    layers: Sequence[Layer],
) -> list[ResultRow]:
    """Rows for passages read with context. ``layers``: the visible layers already loaded
    (``RetrievalState.layers``); a passage's layer missing from them (created since they
    were read) costs one query for all such layers."""
    passages = list(passages)
    by_id = {layer.pk: layer for layer in layers}
    missing = {p.layer_id for p in passages} - by_id.keys()
    if missing:
        by_id.update(Layer.objects.select_related("user").in_bulk(missing))
    study_id = access.study.pk
    pages: dict[int, str] = {}  # the coding page's URL per transcript: reverse() once each
    rows = []
    for p in passages:
        layer = by_id[p.layer_id]
        page = pages.get(p.transcript_id)
        if page is None:
            page = pages[p.transcript_id] = reverse(
                "coding:transcript_code", args=[study_id, p.transcript_id]
            )
        query = urlencode({"layer": layer.key, "code": p.code_id, "focus": p.pk})
        before, after = p.context_before or "", p.context_after or ""
        more_before = p.start - len(before) > 0
        more_after = p.end + len(after) < (p.length or 0)
        rows.append(
            ResultRow(
                pk=p.pk,
                start=p.start,
                end=p.end,
                quote=p.quote,
                quote_at_coding=p.quote_at_coding,
                memo=p.memo,
                needs_review=p.needs_review,
                pseudonym=p.pseudonym or "No participant",
                group_name=p.group_name or "no group",
                wave_name=p.wave_name or "no wave",
                title=p.title,
                layer_label=layer.label,
                code_color=p.code_color,
                path=book.path(p.code_id) or p.code_name,
                link=f"{page}?{query}#seg-{p.pk}",
                before=_trim_context(before, at_start=True) if more_before else before,
                after=_trim_context(after, at_start=False) if more_after else after,
                more_before=more_before,
                more_after=more_after,
                can_review=p.needs_review and access.can_write_layer(layer),
            )
        )
    return rows


def result_row(access: StudyAccess, segment: Segment, book: Codebook) -> ResultRow:
    """The row of one visible segment (``segment.layer`` loaded), read again with its
    context."""
    found = retrieve(
        access, code_ids=None, transcript=segment.transcript_id, context_chars=CONTEXT_CHARS
    )
    one = Retrieval(found.segments.filter(pk=segment.pk), CONTEXT_CHARS)
    return result_rows(access, one.passages(0, 1), book, [segment.layer])[0]
