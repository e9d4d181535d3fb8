"""Co-occurrence: code x code counts of overlapping segments, and the passages behind a cell."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coding.codebook import selectors as codebook_selectors
from coding.compare.heat import HeatScale
from coding.compare.layers import LayerChoice
from coding.models import Layer, Segment


def overlap_pairs(spans: Sequence[tuple]) -> Iterable[tuple]:
    """Pairs of overlapping spans among ``spans`` of ONE transcript and layer.

    Each span is a tuple whose items 0 and 1 are ``start`` and ``end`` (half-open); the
    spans must be sorted by start. A sweep keeps the spans still open at each start, so
    the cost is O(n + pairs), not O(n²). Touching spans (a.end == b.start) do not
    overlap. Yields each unordered pair once, earlier start first.
    """
    active: list[tuple] = []
    for span in spans:
        start = span[0]
        if active:
            active = [a for a in active if a[1] > start]
            for a in active:
                yield a, span
        active.append(span)


@dataclass
class CooccurrenceMatrix:
    codes: list[codebook_selectors.CodeNode]  # rows and columns: codes with at least one pair
    counts: dict[tuple[int, int], int]  # (code a, code b), both orders
    scale: HeatScale
    segments: int  # segments swept

    def count(self, a: int, b: int) -> int:
        return self.counts.get((a, b), 0)


def _segment_filters(
    group_id: int | None,
    wave_id: int | None,
    participants: set[int] | None = None,
    transcripts: set[int] | None = None,
) -> dict:
    """``participants`` and ``transcripts``: those an attribute filter keeps (None: no
    filter of that scope; :func:`studies.attributes.resolve`)."""
    filters: dict = {}
    if group_id is not None:
        filters["transcript__participant__group_id"] = group_id
    if wave_id is not None:
        filters["transcript__wave_id"] = wave_id
    if participants is not None:
        filters["transcript__participant_id__in"] = sorted(participants)
    if transcripts is not None:
        filters["transcript_id__in"] = sorted(transcripts)
    return filters


def cooccurrence(
    study,
    choice: LayerChoice,
    *,
    group_id: int | None = None,
    wave_id: int | None = None,
    participants: set[int] | None = None,
    transcripts: set[int] | None = None,
    book: codebook_selectors.Codebook | None = None,
) -> CooccurrenceMatrix:
    """Code x code counts of overlapping segment pairs in the same layer and transcript.

    A pair of segments that overlap by at least one character counts once for (A, B)
    and once for (B, A); the diagonal counts overlapping pairs of the same code. In the
    union, pairs are found within each coder's layer and summed. Queries: codebook (1)
    unless given, then one over the segments' spans, ordered by the
    (transcript, layer, start) index.
    """
    book = book if book is not None else codebook_selectors.codebook(study)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    swept = 0
    if choice.layer_ids:
        rows = (
            Segment.objects.filter(
                layer_id__in=choice.layer_ids,
                **_segment_filters(group_id, wave_id, participants, transcripts),
            )
            .order_by("transcript_id", "layer_id", "start")
            .values_list("transcript_id", "layer_id", "start", "end", "code_id")
        )
        # The sweep of overlap_pairs, inlined: this loop runs once per segment of the
        # study, and a generator per (transcript, layer) costs more than the counting.
        ordered: dict[tuple[int, int], int] = defaultdict(int)
        current = None
        active: list[tuple[int, int]] = []  # (end, code) of the spans still open
        for transcript_id, layer_id, start, end, code_id in rows:
            swept += 1
            if (transcript_id, layer_id) != current:
                current = (transcript_id, layer_id)
                active = []
            elif active:
                active = [a for a in active if a[0] > start]
                for _, other in active:
                    ordered[(other, code_id)] += 1
            active.append((end, code_id))
        for (a, b), n in ordered.items():
            counts[(a, b)] += n
            if a != b:
                counts[(b, a)] += n
    used = {a for a, _ in counts}
    codes = [node for node in book.walk() if node.pk in used]
    scale = HeatScale.for_counts(counts.values())
    return CooccurrenceMatrix(codes=codes, counts=dict(counts), scale=scale, segments=swept)


@dataclass
class OverlapPassage:
    transcript_id: int
    transcript_title: str
    participant: str
    group: str
    wave: str
    layer: Layer
    a: Segment
    b: Segment
    start: int
    end: int

    @property
    def overlap(self) -> str:
        """The shared text, cut from the quote of the segment that starts first."""
        first = self.a if self.a.start <= self.b.start else self.b
        return first.quote[self.start - first.start : self.end - first.start]


def overlap_passages(
    study,
    choice: LayerChoice,
    code_a: int,
    code_b: int,
    *,
    group_id: int | None = None,
    wave_id: int | None = None,
    participants: set[int] | None = None,
    transcripts: set[int] | None = None,
) -> list[OverlapPassage]:
    """The overlapping pairs behind one co-occurrence cell, in transcript order.

    One query: the segments of the two codes (with transcript, participant, group,
    wave and layer preloaded, transcript text deferred).
    """
    if not choice.layer_ids:
        return []
    segments = list(
        Segment.objects.filter(
            layer_id__in=choice.layer_ids,
            code_id__in={code_a, code_b},
            **_segment_filters(group_id, wave_id, participants, transcripts),
        )
        .select_related("transcript__participant__group", "transcript__wave", "layer__user")
        .defer("transcript__text")
        .order_by("transcript__title", "transcript_id", "layer_id", "start", "end", "pk")
    )
    result = []
    buckets: dict[tuple[int, int], list[tuple]] = defaultdict(list)
    for seg in segments:
        buckets[(seg.transcript_id, seg.layer_id)].append((seg.start, seg.end, seg))
    for spans in buckets.values():
        for a, b in overlap_pairs(spans):
            sa, sb = a[2], b[2]
            if {sa.code_id, sb.code_id} != {code_a, code_b} or (
                code_a != code_b and sa.code_id == sb.code_id
            ):
                continue
            t = sa.transcript
            participant = t.participant
            result.append(
                OverlapPassage(
                    transcript_id=t.pk,
                    transcript_title=t.title,
                    participant=participant.pseudonym if participant else "",
                    group=participant.group.name if participant and participant.group else "",
                    wave=t.wave.name if t.wave else "",
                    layer=sa.layer,
                    a=sa if sa.code_id == code_a else sb,
                    b=sb if sa.code_id == code_a else sa,
                    start=max(sa.start, sb.start),
                    end=min(sa.end, sb.end),
                )
            )
    return result
