"""What the retrieval page shows of each segment: its code path, link and trimmed context."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coding.codebook.selectors import Codebook
from coding.models import Segment
from coding.retrieval.selectors import Retrieval, retrieve, segment_link
from studies.access import StudyAccess

PAGE_SIZE = 100
CONTEXT_CHARS = 120


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


def result_rows(
    access: StudyAccess, segments: Iterable[Segment], book: Codebook
) -> list[ResultRow]:
    """Rows for segments read with context (no query)."""
    rows = []
    for seg in segments:
        before, after = seg.context_before or "", seg.context_after or ""
        more_before = seg.start - len(before) > 0
        more_after = seg.end + len(after) < (seg.transcript.length or 0)
        rows.append(
            ResultRow(
                segment=seg,
                path=book.path(seg.code_id) or seg.code.name,
                link=segment_link(access.study.pk, seg),
                before=_trim_context(before, at_start=True) if more_before else before,
                after=_trim_context(after, at_start=False) if more_after else after,
                more_before=more_before,
                more_after=more_after,
                can_review=seg.needs_review and access.can_write_layer(seg.layer),
            )
        )
    return rows


def result_row(access: StudyAccess, segment: Segment, book: Codebook) -> ResultRow:
    """The row of one visible segment, read again with its context."""
    found = retrieve(
        access, code_ids=None, transcript=segment.transcript_id, context_chars=CONTEXT_CHARS
    )
    one = Retrieval(found.segments.filter(pk=segment.pk), CONTEXT_CHARS)
    return result_rows(access, one[0:1], book)[0]
