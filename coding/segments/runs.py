"""Server-side rendering of a coded transcript: the run sweep of docs/DESIGN.md.

The canonical text is split at every segment boundary and at every line break. Each line
(a paragraph; a speaker turn when it starts with ``Speaker:``) becomes a list of runs
whose offsets are code points of the canonical text, exactly Python's ``text[start:end]``.
The browser never lays anything out: underlines come from each segment's lane on the line,
margin stripes from the character fraction of the line it covers.

A line's HTML depends only on the line's text, its index and number, and the segments
overlapping it: underline and stripe lanes are assigned per line (greedy by start, so
segments continuing from the line above come first), a block's stripe lanes are
``MAX_LANES // block_count``. So a write can re-render only the lines it touches
(:func:`render_lines`) and get exactly the HTML of a full render (:func:`transcript_html`).

The markup is linear in runs + segments: a run carries its offsets and at most
UNDERLINE_LANES colours, never the ids of the segments covering it; the page's segment
table (``segments-data``) is emitted once and the browser finds the segments at an offset
there. Stripes and labels carry their one segment id; screen-reader "start of"/"end of"
markers sit at segment boundaries.

Everything here is pure (no database): :func:`render_transcript` computes the structure
(runs with the ids covering them, stripes, labels; for tests and the consensus view), and
:func:`transcript_html` / :func:`render_lines` the coding page's HTML without building it.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple, Protocol

from django.utils.safestring import SafeString, mark_safe

from coding.segments.initials import unique_initials
from coding.segments.layout import CJK, LABEL_LINES, line_language, place_labels, stroke_color
from studies.text import speaker_of
from workbench.lib.colour import contrast_with_white

# Re-exported: the page, the consensus view and the codebook use them from here.
__all__ = [
    "LABEL_LINES",
    "contrast_with_white",
    "line_language",
    "place_labels",
    "stroke_color",
    "unique_initials",
]

#: Stripe lanes drawn in the margin; segments in higher lanes are counted in a "+N" chip.
MAX_LANES = 6
#: Underline lanes drawn in the text; a run covered by more (or by a segment in a higher
#: lane) gets one thick dark underline instead.
UNDERLINE_LANES = 3

#: Margin labels: a label is LABEL_LINES of a text line tall, and a line holds at least
#: CHARS_PER_LINE narrow characters (the column is 70ch; wide CJK characters count 2).
#: The estimate of a turn's lines is therefore a lower bound, so labels spaced by it in
#: percent of the turn's height never overlap whatever the real wrapping is.
CHARS_PER_LINE = 85
#: Margin buttons (labels, "+N" chips) are at least 24 px tall (WCAG 2.5.8); consecutive
#: ones in a column are at least LABEL_STEP_PX apart, so short turns grow to hold them.
LABEL_STEP_PX = 30

_LABEL = re.compile(r"[^:：]*[:：][ \t]?")


class SpanLike(Protocol):
    id: int
    start: int
    end: int


class Span(NamedTuple):
    """The minimal segment shape the sweep needs."""

    id: int
    start: int
    end: int


@dataclass(slots=True)
class Run:
    start: int
    end: int
    text: str
    #: Ids of the segments covering the whole run, ordered by their lane on the line.
    segment_ids: tuple[int, ...]
    #: Part of the ``Speaker:`` label of a turn.
    speaker: bool = False


@dataclass(slots=True)
class Stripe:
    """One segment's piece of margin stripe on one line, placed by character fraction."""

    segment_id: int
    lane: int  # lane within its block
    top: float  # fraction of the line's characters before the piece, 0..1
    height: float  # fraction of the line's characters covered, 0..1
    first: bool  # the segment starts on this line
    last: bool  # the segment ends on this line
    block: int = 0  # the lane block (one per coder in "All"; 0 otherwise)


@dataclass(slots=True)
class Line:
    index: int  # 0-based line index in the text
    number: int  # 1-based number among non-empty lines (the turn number in the gutter)
    start: int
    end: int  # exclusive; the "\n" after the line is not part of it
    speaker: str | None
    lang: str | None
    #: The structure (filled by :func:`render_transcript` only; the HTML path writes the
    #: markup directly and leaves these empty).
    runs: list[Run] = field(default_factory=list)
    stripes: list[Stripe] = field(default_factory=list)
    #: Leaf-name labels of segments starting on this line: (segment id, top fraction),
    #: ordered by block, then top.
    labels: list[tuple[int, float]] = field(default_factory=list)
    #: Segments on this line without a stripe (lane beyond the block's lanes) or without
    #: room for their label: the "+N" chip lists them.
    overflow: list[int] = field(default_factory=list)
    #: Underline lane of each segment overlapping the line, assigned within the line.
    lanes: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class RenderedTranscript:
    lines: list[Line]
    #: Clipped offsets of every rendered segment.
    spans: dict[int, tuple[int, int]]
    #: The most underline lanes any line uses.
    lane_count: int
    length: int
    #: Segment id -> lane block; empty when the margin is one block.
    blocks: dict[int, int] = field(default_factory=dict)
    block_count: int = 1
    #: Stripe lanes per block: MAX_LANES // block_count, whatever the lines hold.
    block_lanes: int = MAX_LANES


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


def _greedy(ordered: Sequence[Span]) -> dict[int, int]:
    """:func:`assign_lanes` for spans already in order (start, longer first, id)."""
    if len(ordered) == 1:
        return {ordered[0][0]: 0}
    active: list[tuple[int, int]] = []
    free: list[int] = []
    lanes: dict[int, int] = {}
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


def _clip(segments: Iterable[SpanLike], length: int) -> list[Span]:
    """Spans clipped to the text, empty ones dropped, in order (start, longer first, id)."""
    spans = []
    for seg in segments:
        start, end = max(0, seg.start), min(length, seg.end)
        if start < end:
            spans.append(Span(seg.id, start, end))
    spans.sort(key=lambda s: (s.start, -s.end, s.id))
    return spans


def _block_layout(blocks: Mapping[int, int] | None) -> tuple[int, int]:
    """``(block_count, block_lanes)``: without blocks one block of MAX_LANES."""
    if not blocks:
        return 1, MAX_LANES
    count = max(max(blocks.values(), default=0) + 1, 1)
    return count, max(1, MAX_LANES // count)


def _margin_lanes(
    segs: Sequence[Span], lanes: dict[int, int], blocks: Mapping[int, int] | None
) -> dict[int, int]:
    """Stripe lanes on one line: the underline lanes, or with ``blocks`` each block's own."""
    if not blocks:
        return lanes
    by_block: dict[int, list[Span]] = {}
    for s in segs:
        by_block.setdefault(blocks.get(s.id, 0), []).append(s)
    if len(by_block) == 1:
        return lanes
    margin: dict[int, int] = {}
    for group in by_block.values():
        margin.update(_greedy(group))
    return margin


def _line_bounds(
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


def _segments_by_line(
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


def _new_line(text: str, bound: tuple[int, int, int, int]) -> tuple[Line, int, int]:
    """The line's :class:`Line` (no runs yet), where its speaker label ends and its count
    of Chinese characters."""
    index, number, start, end = bound
    raw = text[start:end]
    cjk = len(CJK.findall(raw))
    speaker = speaker_of(raw)
    speaker_end = -1
    if speaker is not None:
        match = _LABEL.match(raw)
        speaker_end = start + (match.end() if match else 0)
    line = Line(index, number, start, end, speaker, line_language(raw, cjk))
    return line, speaker_end, cjk


def _est_lines(size: int, cjk: int) -> int:
    return max(1, -(-(size + cjk) // CHARS_PER_LINE))


def _line_structure(
    text: str,
    bound: tuple[int, int, int, int],
    segs: list[Span],
    blocks: Mapping[int, int] | None,
    block_lanes: int,
) -> Line:
    line, speaker_end, cjk = _new_line(text, bound)
    line_start, line_end = line.start, line.end
    lanes = line.lanes = _greedy(segs) if segs else {}
    events = []
    active: dict[int, int] = {}
    for sid, start, end in segs:
        if start > line_start:
            events.append((start, 1, sid))
        else:
            active[sid] = lanes[sid]
        if end < line_end:
            events.append((end, 0, sid))
    events.sort()
    ei, n = 0, len(events)
    cur = line_start
    while cur < line_end:
        while ei < n and events[ei][0] <= cur:
            _, kind, sid = events[ei]
            if kind:
                active[sid] = lanes[sid]
            else:
                active.pop(sid, None)
            ei += 1
        nxt = events[ei][0] if ei < n else line_end
        if cur < speaker_end < nxt:
            nxt = speaker_end
        ids = tuple(sorted(active, key=active.__getitem__)) if active else ()
        line.runs.append(Run(cur, nxt, text[cur:nxt], ids, cur < speaker_end))
        cur = nxt
    margin = _margin_lanes(segs, lanes, blocks)
    size = line_end - line_start
    wanted: dict[int, list[tuple[int, float]]] = {}
    for sid, start, end in segs:
        lane = margin[sid]
        if lane >= block_lanes:
            line.overflow.append(sid)
            continue
        lo = max(start, line_start)
        block = blocks.get(sid, 0) if blocks else 0
        stripe = Stripe(
            sid,
            lane,
            (lo - line_start) / size,
            (min(end, line_end) - lo) / size,
            start >= line_start,
            end <= line_end + 1,
            block,
        )
        line.stripes.append(stripe)
        if stripe.first:
            wanted.setdefault(block, []).append((sid, stripe.top))
    if wanted:
        est = _est_lines(size, cjk)
        for b in sorted(wanted):
            placed, dropped = place_labels(wanted[b], est)
            line.labels.extend(placed)
            line.overflow.extend(dropped)
    return line


def render_transcript(
    text: str, segments: Iterable[SpanLike], *, blocks: Mapping[int, int] | None = None
) -> RenderedTranscript:
    """Split ``text`` into lines of runs at every segment boundary and line break.

    ``segments`` are any objects with ``id``, ``start`` and ``end`` (code points,
    half-open). Spans are clipped to the text; empty ones are ignored. Empty lines are
    omitted (they hold no character to code); the ``\\n`` characters are never in a run.

    ``blocks`` (segment id -> block number 0..k-1, e.g. one block per coder in "All")
    splits the margin into side-by-side blocks, each with its own stripe lanes (assigned
    within the block, ``MAX_LANES // k`` each) and its own column of labels. Underline
    lanes in the text stay those of all segments on the line together.
    """
    length = len(text)
    spans = _clip(segments, length)
    block_count, block_lanes = _block_layout(blocks)
    lines = [
        _line_structure(text, bound, segs, blocks, block_lanes)
        for bound, segs in _segments_by_line(_line_bounds(text), spans)
    ]
    return RenderedTranscript(
        lines=lines,
        spans={s.id: (s.start, s.end) for s in spans},
        lane_count=max((max(ln.lanes.values()) + 1 for ln in lines if ln.lanes), default=0),
        length=length,
        blocks={s.id: blocks.get(s.id, 0) for s in spans} if blocks else {},
        block_count=block_count,
        block_lanes=block_lanes,
    )


# --- HTML ------------------------------------------------------------------------------


class SegmentLook(NamedTuple):
    """What the HTML needs to draw one segment."""

    color: str  # #RRGGBB as stored; strokes are darkened for contrast
    label: str  # stripe label: the leaf name
    description: str  # accessible name: "Shame, by you"
    review: bool = False  # a text edit changed its words: the label says so in words
    who: str = ""  # the coder's initials before the label (in "All"), unique in the study
    path: str = ""  # the code's full path, added to the accessible name when it differs


def _fraction(value: float) -> str:
    return f"{value * 100:.2f}%"


# Before the label (which may be cut with an ellipsis) so the words always show.
REVIEW_FLAG = '<span class="review-flag" title="The text changed since coding">changed</span> '


def _stack_tops(tops: Sequence[float]) -> list[str]:
    """CSS ``top`` of buttons stacked in one margin column, wanted at ``tops`` (fractions).

    Each stays at its fraction of the turn unless that is closer than LABEL_STEP_PX to the
    one above: ``max(t_i, t_j + (i - j) * step)`` over the buttons above, so buttons are
    never closer than the step (24 px targets never overlap) whatever the real wrapping.
    """
    out = []
    for i, top in enumerate(tops):
        terms = [_fraction(top)]
        terms += [f"calc({_fraction(tops[j])} + {(i - j) * LABEL_STEP_PX}px)" for j in range(i)]
        out.append(terms[0] if len(terms) == 1 else f"max({', '.join(terms)})")
    return out


class _Strings(NamedTuple):
    """One segment's pieces of markup, computed once per page (not per run or line)."""

    stroke: str
    block: int
    start: str  # screen-reader marker before its first run
    end: str  # ... and after its last
    stripe: str  # a stripe after its class, up to the lane
    stripe_b: str  # ... from the lane to the top
    label: str  # its label button up to the top
    name: str  # escaped accessible name, before ", turn N"
    suffix: str  # escaped, after the turn number
    body: str  # the rest of the label button


def _strings(sid: int, look: SegmentLook, block: int) -> _Strings:
    stroke = stroke_color(look.color)
    label = escape(look.label)
    suffix = ""
    if look.path and look.path != look.label:
        suffix += f" ({look.path})"
    flag = REVIEW_FLAG if look.review else ""
    if flag:
        suffix += ", changed since coding"
    who = f'<b class="who">{escape(look.who)}</b> ' if look.who else ""
    return _Strings(
        stroke=stroke,
        block=block,
        start=f'<span class="cm">start of {label}</span>',
        end=f'<span class="cm">end of {label}</span>',
        stripe=f'" aria-hidden="true" data-seg="{sid}" style="--c:{stroke};--lane:',
        stripe_b=f";--b:{block};top:",
        label=(
            f'<button type="button" tabindex="-1" class="stripe-label{" review" if flag else ""}" '
            f'data-seg="{sid}" style="--c:{stroke};--b:{block};top:'
        ),
        name=escape(look.description),
        suffix=escape(suffix),
        body=f'"><span class="nm">{flag}{who}{label}</span></button>',
    )


class _Markup:
    """What every line's markup shares: the looks, blocks, tint, and the strings of each
    segment (made on first use, so rendering a few lines costs only their segments)."""

    __slots__ = ("blocks", "block_count", "block_lanes", "looks", "strings", "tint")

    def __init__(
        self,
        looks: Mapping[int, SegmentLook],
        tint: Iterable[int] = (),
        blocks: Mapping[int, int] | None = None,
    ) -> None:
        self.looks = looks
        self.tint = frozenset(tint)
        self.blocks = blocks or None
        self.block_count, self.block_lanes = _block_layout(blocks)
        self.strings: dict[int, _Strings] = {}

    def of(self, sid: int) -> _Strings:
        st = self.strings.get(sid)
        if st is None:
            block = self.blocks.get(sid, 0) if self.blocks else 0
            st = self.strings[sid] = _strings(sid, self.looks[sid], block)
        return st


def _margin_html(
    stripes: Iterable[tuple[int, int, float, float, bool, bool]],
    labels: Sequence[tuple[int, float]],
    overflow: Sequence[int],
    number: int,
    of,
) -> tuple[str, int]:
    """Stripes ``(id, lane, top, height, first, last)``, labels and "+N" chips of one line,
    and the room in px its buttons need (see :func:`line_margin_html`)."""
    parts: list[str] = []
    for sid, lane, top, height, first, last in stripes:
        st = of(sid)
        cls = (
            "stripe first last"
            if first and last
            else "stripe first"
            if first
            else "stripe last"
            if last
            else "stripe"
        )
        parts.append(
            f'<span class="{cls}{st.stripe}{lane}{st.stripe_b}{top * 100:.2f}%;'
            f'height:{height * 100:.2f}%"></span>'
        )
    if not labels and not overflow:
        return "".join(parts), 0
    columns: dict[int, list[int]] = {}
    tops: dict[int, list[float]] = {}
    for sid, top in labels:
        block = of(sid).block
        columns.setdefault(block, []).append(sid)
        tops.setdefault(block, []).append(top)
    chips: dict[int, list[int]] = {}
    for sid in overflow:
        chips.setdefault(of(sid).block, []).append(sid)
    room = 0
    for block in sorted(set(columns) | set(chips)):
        column = columns.get(block, [])
        stack = tops.get(block, [])
        if block in chips:
            # The chip is the column's last button: one step below the last label.
            stack = [*stack, stack[-1] if stack else 0.0]
        css_tops = _stack_tops(stack)
        if len(stack) > 1:
            room = max(room, len(stack) * LABEL_STEP_PX)
        for sid, css_top in zip(column, css_tops, strict=False):
            st = of(sid)
            parts.append(
                f'{st.label}{css_top}" aria-label="{st.name}, turn {number}{st.suffix}{st.body}'
            )
        if block in chips:
            ids = " ".join(map(str, chips[block]))
            count = len(chips[block])
            parts.append(
                f'<button type="button" tabindex="-1" class="stripe-more" data-seg="{ids}" '
                f'style="--b:{block};top:{css_tops[-1]}" '
                f'aria-label="{count} more codes on turn {number}">+{count}</button>'
            )
    return "".join(parts), room


def line_margin_html(
    line: Line, looks: Mapping[int, SegmentLook], blocks: Mapping[int, int] | None = None
) -> tuple[str, int]:
    """Stripes and labels of one line of :func:`render_transcript`, placed by lane and
    character fraction (no JS), and the height in px the margin needs for its buttons (0
    when the text is surely taller).

    Stripes are decorative (the text's marks carry the same segments) but their hit area
    is 24 px tall (CSS); each label is a button named for screen readers ("Shame, by you,
    turn 12"). With ``blocks``, each block (a coder in "All") has its own lanes, labels and
    "+N" chip.
    """
    markup = _Markup(looks, blocks=blocks)
    stripes = [(s.segment_id, s.lane, s.top, s.height, s.first, s.last) for s in line.stripes]
    return _margin_html(stripes, line.labels, line.overflow, line.number, markup.of)


def line_html(line: Line, runs_html: str, margin_html: str, room: int = 0) -> str:
    """One turn as a grid row: number in the gutter, the runs, the margin stripes (and a
    spacer that makes the turn tall enough for its margin buttons, see coding.css). Its id
    ``ln-<index>`` is stable: a write swaps just the turns it touched."""
    lang = f' lang="{line.lang}"' if line.lang else ""
    speaker = " is-speaker" if line.speaker else ""
    spacer = f'<span class="turn-room" style="--room:{room}px"></span>' if room else ""
    return (
        f'<div class="turn{speaker}" id="ln-{line.index}" data-start="{line.start}" '
        f'data-end="{line.end}" data-n="{line.number}">'
        f'<span class="turn-n" aria-hidden="true">{line.number}</span>'
        f'<p class="turn-text"{lang}>{runs_html}</p>'
        f'<div class="turn-margin">{margin_html}</div>{spacer}</div>'
    )


def _line_markup(
    text: str, bound: tuple[int, int, int, int], segs: list[Span], mk: _Markup
) -> tuple[Line, str]:
    """One line's HTML from the line and the spans overlapping it (in span order), nothing
    else: runs (``<span class="r">`` plain, ``<mark class="r">`` coded, with code-point
    ``data-start``/``data-end`` and the underline colours of lanes below UNDERLINE_LANES,
    or ``dense``), hidden "start of"/"end of" markers between runs, then the margin."""
    line, speaker_end, cjk = _new_line(text, bound)
    line_start, line_end = line.start, line.end
    of = mk.of
    tint = mk.tint
    lanes = _greedy(segs) if segs else {}
    slot: list[str | None] = [None] * UNDERLINE_LANES
    active = high = tinted = 0
    events = []
    for sid, start, end in segs:
        lane = lanes[sid]
        if start >= line_start:
            events.append((start, 1, lane, sid))
        else:  # continues from the line above: active from the first run, no marker
            active += 1
            if lane < UNDERLINE_LANES:
                slot[lane] = of(sid).stroke
            else:
                high += 1
            if sid in tint:
                tinted += 1
        if end <= line_end:
            events.append((end, 0, lane, sid))
    events.sort()
    parts: list[str] = []
    ei, n = 0, len(events)
    cur = line_start
    while True:
        # Ends before starts at one offset (lane order within each), so markers read
        # "end of A, start of B" between the runs.
        while ei < n and events[ei][0] == cur:
            _, kind, lane, sid = events[ei]
            ei += 1
            st = of(sid)
            if kind:
                parts.append(st.start)
                active += 1
                if lane < UNDERLINE_LANES:
                    slot[lane] = st.stroke
                else:
                    high += 1
                if sid in tint:
                    tinted += 1
            else:
                parts.append(st.end)
                active -= 1
                if lane < UNDERLINE_LANES:
                    slot[lane] = None
                else:
                    high -= 1
                if sid in tint:
                    tinted -= 1
        if cur >= line_end:
            break
        nxt = events[ei][0] if ei < n and events[ei][0] < line_end else line_end
        spk = cur < speaker_end
        if spk and speaker_end < nxt:
            nxt = speaker_end
        body = escape(text[cur:nxt], quote=False)
        if not active:
            cls = "r spk" if spk else "r"
            parts.append(f'<span class="{cls}" data-start="{cur}" data-end="{nxt}">{body}</span>')
        else:
            cls = "r spk" if spk else "r"
            if high:
                cls += " dense"
                style = ""
            else:
                style = ";".join([f"--u{i}:{c}" for i, c in enumerate(slot) if c])
                style = f' style="{style}"'
            if tinted:
                cls += " tint"
            parts.append(
                f'<mark class="{cls}" data-start="{cur}" data-end="{nxt}"{style}>{body}</mark>'
            )
        cur = nxt
    runs_html = "".join(parts)

    margin = _margin_lanes(segs, lanes, mk.blocks)
    block_lanes = mk.block_lanes
    size = line_end - line_start
    stripes = []
    overflow: list[int] = []
    wanted: dict[int, list[tuple[int, float]]] = {}
    for sid, start, end in segs:
        lane = margin[sid]
        if lane >= block_lanes:
            overflow.append(sid)
            continue
        lo = start if start > line_start else line_start
        top = (lo - line_start) / size
        first = start >= line_start
        stripes.append(
            (
                sid,
                lane,
                top,
                ((end if end < line_end else line_end) - lo) / size,
                first,
                end <= line_end + 1,
            )
        )
        if first:
            wanted.setdefault(of(sid).block, []).append((sid, top))
    labels: list[tuple[int, float]] = []
    if wanted:
        est = _est_lines(size, cjk)
        for b in sorted(wanted):
            placed, dropped = place_labels(wanted[b], est)
            labels.extend(placed)
            overflow.extend(dropped)
    margin_html, room = _margin_html(stripes, labels, overflow, line.number, of)
    line.lanes = lanes
    return line, line_html(line, runs_html, margin_html, room)


def transcript_html(
    text: str,
    segments: Sequence[SpanLike],
    looks: Mapping[int, SegmentLook],
    *,
    tint: Iterable[int] = (),
    blocks: Mapping[int, int] | None = None,
) -> tuple[RenderedTranscript, SafeString]:
    """The HTML of every turn (runs and margin), joined, and the transcript's shape (its
    lines carry no runs or stripes: the markup is written directly).

    ``blocks``: segment id -> margin block (see :func:`render_transcript`)."""
    spans = _clip(segments, len(text))
    mk = _Markup(looks, tint, blocks)
    lines: list[Line] = []
    pieces: list[str] = []
    for bound, segs in _segments_by_line(_line_bounds(text), spans):
        line, html = _line_markup(text, bound, segs, mk)
        lines.append(line)
        pieces.append(html)
    rendered = RenderedTranscript(
        lines=lines,
        spans={s.id: (s.start, s.end) for s in spans},
        lane_count=max((max(ln.lanes.values()) + 1 for ln in lines if ln.lanes), default=0),
        length=len(text),
        blocks={s.id: mk.of(s.id).block for s in spans} if blocks else {},
        block_count=mk.block_count,
        block_lanes=mk.block_lanes,
    )
    # Safe: every piece of text and every label was escaped above.
    return rendered, mark_safe("\n".join(pieces))


def lines_span(text: str, lo: int, hi: int) -> tuple[int, int]:
    """The offsets ``[a, b)`` of the whole lines that :func:`render_lines` draws for
    ``[lo, hi)``: ask for the segments overlapping them."""
    length = len(text)
    lo = max(0, min(lo, length))
    hi = max(lo + 1, min(hi, length))
    a = text.rfind("\n", 0, lo) + 1
    nl = text.find("\n", hi - 1) if hi - 1 >= a else -1
    b = length if nl == -1 else nl
    return a, max(a, b)


def render_lines(
    text: str,
    segments: Iterable[SpanLike],
    looks: Mapping[int, SegmentLook],
    *,
    lo: int,
    hi: int,
    tint: Iterable[int] = (),
    blocks: Mapping[int, int] | None = None,
) -> list[tuple[Line, str]]:
    """``(line, html)`` for just the non-empty lines intersecting ``[lo, hi)`` (the line
    holding ``lo`` when the span is empty), each exactly as :func:`transcript_html` renders
    it in the whole page.

    ``segments`` must hold every segment overlapping those lines, i.e. overlapping
    :func:`lines_span` ``(text, lo, hi)`` (more do no harm); ``blocks`` the page's whole
    mapping (the block count comes from it).
    """
    length = len(text)
    a, b = lines_span(text, lo, hi)
    spans = [s for s in _clip(segments, length) if s.start < b + 1 and s.end > a]
    index = text.count("\n", 0, a)
    before = sum(1 for part in text[:a].split("\n") if part) if a else 0
    mk = _Markup(looks, tint, blocks)
    start, stop = max(0, min(lo, length)), max(lo + 1, hi)
    out = []
    for bound, segs in _segments_by_line(_line_bounds(text, a, index, before, stop), spans):
        if bound[3] > start or (bound[2] <= start <= bound[3] and hi <= lo):
            out.append(_line_markup(text, bound, segs, mk))
    return out
