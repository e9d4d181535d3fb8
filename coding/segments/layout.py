"""Pure helpers of the coding page's layout (coding/segments/runs.py): spans and their lanes,
the lines of a text with the spans on each, a line's language, label placement in a turn's
margin, stroke colours with enough contrast on white."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple, Protocol

from coding.models import COLOR_RE
from workbench.lib.colour import contrast_with_white

#: Stripe lanes drawn in the margin; segments in higher lanes are counted in a "+N" chip.
MAX_LANES = 6
#: Margin labels: a label is LABEL_LINES of a text line tall (see coding/segments/runs.py).
LABEL_LINES = 0.5

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def line_language(line: str, cjk: int | None = None) -> str | None:
    """``zh-Hant`` for a line written mostly in Chinese characters, else None (the page's)."""
    if cjk is None:
        cjk = len(CJK.findall(line))
    if not cjk:
        return None
    # Share of Chinese characters among the non-space characters (cheap and good enough:
    # punctuation counts against Chinese, so mixed lines stay in the page language).
    visible = len(line) - line.count(" ")
    return "zh-Hant" if cjk * 2 > visible else None


def place_labels(
    wanted: Sequence[tuple[int, float]], est_lines: int
) -> tuple[list[tuple[int, float]], list[int]]:
    """Top fractions for labels wanted at ``(id, top)``, in order, without overlaps.

    Each label is ``LABEL_LINES / est_lines`` of the turn tall; labels are pushed down
    to clear the previous one, then up to stay inside the turn. Labels beyond the turn's
    capacity are returned as dropped (they go to the "+N" chip).
    """
    height = LABEL_LINES / est_lines
    capacity = int(1 / height + 1e-9)
    ordered = sorted(wanted, key=_second)
    if len(ordered) > capacity:
        kept, dropped = ordered[:capacity], [sid for sid, _ in ordered[capacity:]]
    else:
        kept, dropped = ordered, []
    # Down to clear the label above (``max(top, above + height)``), then up from the
    # turn's end (``min(top, below - height)``): the same arithmetic, in two passes.
    tops: list[float] = []
    above = None
    for _, top in kept:
        if above is not None and above + height > top:
            top = above + height
        tops.append(top)
        above = top
    limit = 1.0
    for i in range(len(tops) - 1, -1, -1):
        top = tops[i]
        if limit - height < top:
            top = tops[i] = limit - height
        limit = top
    return [
        (sid, top if top > 0.0 else 0.0) for (sid, _), top in zip(kept, tops, strict=True)
    ], dropped


_second = itemgetter(1)


@lru_cache(maxsize=1024)
def stroke_color(hex_color: str, minimum: float = 3.0) -> str:
    """The colour darkened until it has at least ``minimum``:1 contrast on white (WCAG 1.4.11)."""
    if not COLOR_RE.fullmatch(hex_color or ""):
        return "#4d4d4d"
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    color = f"#{r:02x}{g:02x}{b:02x}"
    while contrast_with_white(color) < minimum:
        r, g, b = int(r * 0.88), int(g * 0.88), int(b * 0.88)
        color = f"#{r:02x}{g:02x}{b:02x}"
    return color


class SpanLike(Protocol):
    id: int
    start: int
    end: int


class Span(NamedTuple):
    """The minimal segment shape the sweep needs."""

    id: int
    start: int
    end: int


def assign_lanes(spans: Iterable[SpanLike]) -> dict[int, int]:
    """Lowest free lane for each span, taken in order of start (longer first on ties).

    A lane is free again once the span in it has ended (half-open: a span ending at 10
    frees its lane for one starting at 10). O(m log m).
    """
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    active: list[tuple[int, int]] = []  # (end, lane)
    free: list[int] = []
    lanes: dict[int, int] = {}
    next_lane = 0
    for span in ordered:
        while active and active[0][0] <= span.start:
            heapq.heappush(free, heapq.heappop(active)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane = next_lane
            next_lane += 1
        lanes[span.id] = lane
        heapq.heappush(active, (span.end, lane))
    return lanes


def greedy_lanes(ordered: Sequence[Span]) -> dict[int, int]:
    """:func:`assign_lanes` for spans already in order (start, longer first, id)."""
    if len(ordered) == 1:
        return {ordered[0][0]: 0}
    if len(ordered) <= 32:
        # A line's few spans: the lowest lane whose span has ended, by a scan of the lanes
        # (the same choice as the heaps below, without their overhead).
        ends: list[int] = []
        lanes: dict[int, int] = {}
        for sid, start, end in ordered:
            for lane, taken_until in enumerate(ends):
                if taken_until <= start:
                    ends[lane] = end
                    break
            else:
                lane = len(ends)
                ends.append(end)
            lanes[sid] = lane
        return lanes
    active: list[tuple[int, int]] = []
    free: list[int] = []
    lanes = {}
    next_lane = 0
    for sid, start, end in ordered:
        while active and active[0][0] <= start:
            heapq.heappush(free, heapq.heappop(active)[1])
        if free:
            lane = heapq.heappop(free)
        else:
            lane = next_lane
            next_lane += 1
        lanes[sid] = lane
        heapq.heappush(active, (end, lane))
    return lanes


def clip_spans(segments: Iterable[SpanLike], length: int) -> list[Span]:
    """Spans clipped to the text, empty ones dropped, in order (start, longer first, id)."""
    spans = []
    for seg in segments:
        start, end = seg.start, seg.end
        if start >= 0 and end <= length and type(seg) is Span:
            if start < end:
                spans.append(seg)  # already a span within the text: kept as it is
            continue
        start, end = max(0, start), min(length, end)
        if start < end:
            spans.append(Span(seg.id, start, end))
    sort_reading_order(spans)
    return spans


_ID, _START, _END = itemgetter(0), itemgetter(1), itemgetter(2)


def sort_reading_order(rows: list) -> None:
    """Sort ``rows`` (``(id, start, end, ...)``) in place in reading order: by start, longer
    first, then id, i.e. by the key ``(start, -end, id)``. Three stable sorts from the
    least significant column, each keyed by a C getter, instead of a Python key function
    per row (a page sorts its 1,800 segments twice)."""
    rows.sort(key=_ID)
    rows.sort(key=_END, reverse=True)  # reverse keeps equal ends in their order (stable)
    rows.sort(key=_START)


def block_layout(blocks: Mapping[int, int] | None) -> tuple[int, int]:
    """``(block_count, block_lanes)``: without blocks one block of MAX_LANES."""
    if not blocks:
        return 1, MAX_LANES
    count = max(max(blocks.values(), default=0) + 1, 1)
    return count, max(1, MAX_LANES // count)


def margin_lanes(
    segs: Sequence[Span], lanes: dict[int, int], blocks: Mapping[int, int] | None
) -> dict[int, int]:
    """Stripe lanes on one line: the underline lanes, or with ``blocks`` each block's own."""
    if not blocks:
        return lanes
    if len(segs) > 32:
        return _margin_lanes_heaps(segs, lanes, blocks)
    # A line's few spans: each block's lowest lane whose span has ended, by a scan of the
    # block's lanes in one pass (as greedy_lanes of each block's spans, in order). A span
    # starting before every lane's span ends (those continuing from the line above, most
    # on a dense line) takes a new lane without the scan.
    get = blocks.get
    #: Per block: [the earliest end of its lanes' spans, each lane's span end].
    state: dict[int, list] = {}
    margin: dict[int, int] = {}
    for sid, start, end in segs:
        block = get(sid, 0)
        st = state.get(block)
        if st is None:
            state[block] = [end, [end]]
            margin[sid] = 0
            continue
        ends = st[1]
        if start < st[0]:
            margin[sid] = len(ends)
            ends.append(end)
            if end < st[0]:
                st[0] = end
            continue
        # The lowest lane free at ``start``: there is one, the earliest end is not after it.
        lane = next(i for i, taken_until in enumerate(ends) if taken_until <= start)
        ends[lane] = end
        margin[sid] = lane
        st[0] = min(ends)
    return lanes if len(state) == 1 else margin


def _margin_lanes_heaps(
    segs: Sequence[Span], lanes: dict[int, int], blocks: Mapping[int, int]
) -> dict[int, int]:
    by_block: dict[int, list[Span]] = {}
    for s in segs:
        by_block.setdefault(blocks.get(s.id, 0), []).append(s)
    if len(by_block) == 1:
        return lanes
    margin: dict[int, int] = {}
    for group in by_block.values():
        margin.update(greedy_lanes(group))
    return margin


def line_bounds(
    text: str, pos: int = 0, index: int = 0, number: int = 0, stop: int | None = None
) -> Iterator[tuple[int, int, int, int]]:
    """``(index, number, start, end)`` of each non-empty line from ``pos`` (a line start),
    until a line starts at or after ``stop``."""
    length = len(text)
    if stop is None:
        stop = length + 1
    while pos <= length and pos < stop:
        nl = text.find("\n", pos)
        end = length if nl == -1 else nl
        if end > pos:
            number += 1
            yield index, number, pos, end
        if nl == -1:
            return
        pos = nl + 1
        index += 1


def segments_by_line(
    bounds: Iterable[tuple[int, int, int, int]], spans: Sequence[Span]
) -> Iterator[tuple[tuple[int, int, int, int], list[Span]]]:
    """Each line with the spans overlapping it, in span order. Linear in the sum over lines
    of the spans on them (``spans`` sorted by start)."""
    carry: list[Span] = []
    k, m = 0, len(spans)
    for bound in bounds:
        line_start, line_end = bound[2], bound[3]
        carry = [s for s in carry if s.end > line_start]
        while k < m and spans[k].start < line_end:
            s = spans[k]
            k += 1
            if s.end > line_start:
                carry.append(s)
        yield bound, carry
