"""Server-side rendering of a coded transcript: the run sweep of docs/DESIGN.md.

The canonical text is split at every segment boundary and at every line break. Each line
(a paragraph; a speaker turn when it starts with ``Speaker:``) becomes a list of runs
``(start, end, text, segment_ids)`` whose offsets are code points of the canonical text,
exactly Python's ``text[start:end]``. The browser never lays anything out: underlines come
from each segment's lane, margin stripes from the character fraction of the line it covers.

Everything here is pure (no database): :func:`render_transcript` computes the structure
and :func:`transcript_html` turns it into HTML for the coding page. Cost is
O(n + m log m) for n characters and m segments, plus the size of the output (the sum over
runs of the segments covering them); no segment ever walks the text.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from typing import NamedTuple, Protocol

from django.utils.safestring import SafeString, mark_safe

from coding.models import COLOR_RE
from studies.text import speaker_of
from workbench.lib.colour import contrast_with_white

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
LABEL_LINES = 0.5
#: Margin buttons (labels, "+N" chips) are at least 24 px tall (WCAG 2.5.8); consecutive
#: ones in a column are at least LABEL_STEP_PX apart, so short turns grow to hold them.
LABEL_STEP_PX = 30

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
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
    #: Ids of the segments covering the whole run, ordered by lane.
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
    runs: list[Run] = field(default_factory=list)
    stripes: list[Stripe] = field(default_factory=list)
    #: Leaf-name labels of segments starting on this line: (segment id, top fraction),
    #: ordered by block, then top.
    labels: list[tuple[int, float]] = field(default_factory=list)
    #: Segments on this line without a stripe (lane beyond MAX_LANES) or without room for
    #: their label: the "+N" chip lists them.
    overflow: list[int] = field(default_factory=list)


@dataclass(slots=True)
class RenderedTranscript:
    lines: list[Line]
    lanes: dict[int, int]
    #: Clipped offsets of every rendered segment.
    spans: dict[int, tuple[int, int]]
    lane_count: int
    length: int
    #: Segment id -> lane block; empty when the margin is one block.
    blocks: dict[int, int] = field(default_factory=dict)
    block_count: int = 1
    #: Stripe lanes per block (MAX_LANES for one block, fewer when blocks share the margin).
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


def line_language(line: str, cjk: int | None = None) -> str | None:
    """``zh-Hant`` for a line written mostly in Chinese characters, else None (the page's)."""
    if cjk is None:
        cjk = len(_CJK.findall(line))
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
    ordered = sorted(wanted, key=lambda item: item[1])
    kept, dropped = ordered[:capacity], [sid for sid, _ in ordered[capacity:]]
    tops: list[float] = []
    for _, top in kept:
        tops.append(max(top, tops[-1] + height) if tops else top)
    limit = 1.0
    for i in range(len(tops) - 1, -1, -1):
        tops[i] = min(tops[i], limit - height)
        limit = tops[i]
    return [(sid, max(0.0, top)) for (sid, _), top in zip(kept, tops, strict=True)], dropped


def _margin_lanes(
    spans: list[Span], lanes: dict[int, int], blocks: Mapping[int, int] | None
) -> tuple[dict[int, int], int, dict[int, int], int]:
    """``(block_of, block_count, margin_lanes, block_lanes)`` for :func:`render_transcript`:
    without ``blocks`` the margin uses the text's lanes; with them each block assigns its own
    lanes, at most ``MAX_LANES // k`` each."""
    if not blocks:
        return {}, 1, lanes, MAX_LANES
    block_of = {s.id: blocks.get(s.id, 0) for s in spans}
    block_count = max(max(blocks.values(), default=0) + 1, 1)
    margin_lanes: dict[int, int] = {}
    for b in range(block_count):
        margin_lanes.update(assign_lanes([s for s in spans if block_of[s.id] == b]))
    used = max(margin_lanes.values(), default=0) + 1
    block_lanes = max(1, min(MAX_LANES // block_count, used))
    return block_of, block_count, margin_lanes, block_lanes


def _line_stripes(
    line: Line,
    covered: dict[int, list[int]],
    span_by_id: dict[int, Span],
    margin_lanes: dict[int, int],
    block_lanes: int,
    block_of: dict[int, int],
    *,
    cjk: int,
) -> None:
    """Add ``line``'s margin stripes (what each segment covers of it), the labels of the
    segments starting on it, and what does not fit (``overflow``)."""
    line_start, line_end = line.start, line.end
    size = line_end - line_start
    wanted: dict[int, list[tuple[int, float]]] = {}
    for sid, (lo, hi) in covered.items():
        lane = margin_lanes[sid]
        if lane >= block_lanes:
            line.overflow.append(sid)
            continue
        span = span_by_id[sid]
        stripe = Stripe(
            segment_id=sid,
            lane=lane,
            top=(lo - line_start) / size,
            height=(hi - lo) / size,
            first=span.start >= line_start,
            last=span.end <= line_end + 1,
            block=block_of.get(sid, 0),
        )
        line.stripes.append(stripe)
        if stripe.first:
            wanted.setdefault(stripe.block, []).append((sid, stripe.top))
    if wanted:
        est_lines = max(1, -(-(size + cjk) // CHARS_PER_LINE))
        for b in sorted(wanted):
            placed, dropped = place_labels(wanted[b], est_lines)
            line.labels.extend(placed)
            line.overflow.extend(dropped)


def render_transcript(
    text: str, segments: Iterable[SpanLike], *, blocks: Mapping[int, int] | None = None
) -> RenderedTranscript:
    """Split ``text`` into lines of runs at every segment boundary and line break.

    ``segments`` are any objects with ``id``, ``start`` and ``end`` (code points,
    half-open). Spans are clipped to the text; empty ones are ignored. Empty lines are
    omitted (they hold no character to code); the ``\\n`` characters are never in a run.

    ``blocks`` (segment id -> block number 0..k-1, e.g. one block per coder in "All")
    splits the margin into side-by-side blocks, each with its own stripe lanes (assigned
    within the block, at most ``MAX_LANES // k``) and its own column of labels. Underline
    lanes in the text stay those of all segments together.
    """
    length = len(text)
    spans = []
    for seg in segments:
        start, end = max(0, seg.start), min(length, seg.end)
        if start < end:
            spans.append(Span(seg.id, start, end))
    lanes = assign_lanes(spans)
    span_by_id = {s.id: s for s in spans}
    block_of, block_count, margin_lanes, block_lanes = _margin_lanes(spans, lanes, blocks)

    # Events sorted by position; at one position ends come before starts, which is
    # irrelevant for runs (no run is empty) but keeps the active set small.
    events: list[tuple[int, int, int]] = []
    for s in spans:
        events.append((s.start, 1, s.id))
        events.append((s.end, 0, s.id))
    events.sort()
    n_events = len(events)
    ei = 0
    active: dict[int, int] = {}  # segment id -> lane

    def apply_until(pos: int) -> None:
        nonlocal ei
        while ei < n_events and events[ei][0] <= pos:
            _, kind, sid = events[ei]
            if kind:
                active[sid] = lanes[sid]
            else:
                active.pop(sid, None)
            ei += 1

    lines: list[Line] = []
    line_start = 0
    index = 0
    number = 0
    while line_start <= length:
        nl = text.find("\n", line_start)
        line_end = length if nl == -1 else nl
        if line_end > line_start:
            number += 1
            raw = text[line_start:line_end]
            cjk = len(_CJK.findall(raw))
            speaker = speaker_of(raw)
            speaker_end = -1
            if speaker is not None:
                match = _LABEL.match(raw)
                speaker_end = line_start + (match.end() if match else 0)
            line = Line(
                index=index,
                number=number,
                start=line_start,
                end=line_end,
                speaker=speaker,
                lang=line_language(raw, cjk),
            )
            apply_until(line_start)
            covered: dict[int, list[int]] = {}  # id -> [first, last] offsets on this line
            cur = line_start
            while cur < line_end:
                nxt = line_end
                if ei < n_events and events[ei][0] < nxt:
                    nxt = events[ei][0]
                if cur < speaker_end < nxt:
                    nxt = speaker_end
                if active:
                    ids = tuple(sorted(active, key=active.__getitem__))
                    for sid in ids:
                        piece = covered.get(sid)
                        if piece is None:
                            covered[sid] = [cur, nxt]
                        else:
                            piece[1] = nxt
                else:
                    ids = ()
                line.runs.append(Run(cur, nxt, text[cur:nxt], ids, cur < speaker_end))
                cur = nxt
                apply_until(cur)
            _line_stripes(line, covered, span_by_id, margin_lanes, block_lanes, block_of, cjk=cjk)
            lines.append(line)
        if nl == -1:
            break
        line_start = nl + 1
        index += 1
    return RenderedTranscript(
        lines=lines,
        lanes=lanes,
        spans={s.id: (s.start, s.end) for s in spans},
        lane_count=max(lanes.values(), default=-1) + 1,
        length=length,
        blocks=block_of,
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


_WORD_SPLIT = re.compile(r"[\s_.\-@]+")


def _base_initials(name: str) -> str:
    parts = [p for p in _WORD_SPLIT.split(name) if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


def unique_initials(names: Mapping[int, str]) -> dict[int, str]:
    """Short labels for layers (key -> name), unique among ``names`` and deterministic.

    Two letters from the name ("Maria Chan" -> "MC", "coder1" -> "CO"); names that would
    share them keep their first letter and add the first character that tells them apart
    from all the others ("coder1", "coder2" -> "C1", "C2"); anything still equal gets a
    number, in name order. The result depends only on the set of names.
    """
    ordered = sorted(names.items(), key=lambda item: (item[1].lower(), item[1], item[0]))
    base = {key: _base_initials(name) for key, name in ordered}
    groups: dict[str, list[int]] = {}
    for key, _ in ordered:
        groups.setdefault(base[key], []).append(key)
    result: dict[int, str] = {}
    for initials, keys in groups.items():
        if len(keys) == 1:
            result[keys[0]] = initials
            continue
        folded = {k: "".join(ch for ch in names[k].lower() if ch.isalnum()) for k in keys}
        for key in keys:
            mine = folded[key]
            others = [folded[k] for k in keys if k != key]
            pick = next(
                (
                    ch
                    for i, ch in enumerate(mine)
                    if i > 0 and all(i >= len(o) or o[i] != ch for o in others)
                ),
                None,
            )
            result[key] = (mine[:1] + pick).upper() if mine and pick else initials
    seen: dict[str, int] = {}
    for key, _ in ordered:
        label = result[key]
        n = seen.get(label, 0) + 1
        seen[label] = n
        if n > 1:
            while f"{label}{n}" in seen:
                n += 1
            seen[f"{label}{n}"] = 1
            result[key] = f"{label}{n}"
    return result


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


def _fraction(value: float) -> str:
    return f"{value * 100:.2f}%"


def line_runs_html(
    line: Line,
    looks: Mapping[int, SegmentLook],
    spans: Mapping[int, tuple[int, int]],
    lanes: Mapping[int, int],
    tint: frozenset[int] | set[int] = frozenset(),
) -> str:
    """The runs of one line: ``<span class="r">`` for plain text, ``<mark class="r">``
    for coded text, with code-point ``data-start``/``data-end``; hidden "start of"/"end of"
    markers for screen readers sit between runs (never inside one, so offsets stay exact).
    """
    parts: list[str] = []
    for run in line.runs:
        ids = run.segment_ids
        cls = "r spk" if run.speaker else "r"
        body = escape(run.text, quote=False)
        if not ids:
            parts.append(
                f'<span class="{cls}" data-start="{run.start}" data-end="{run.end}">{body}</span>'
            )
            continue
        for sid in ids:
            if spans[sid][0] == run.start:
                parts.append(f'<span class="cm">start of {escape(looks[sid].label)}</span>')
        dense = len(ids) > UNDERLINE_LANES or any(lanes[sid] >= UNDERLINE_LANES for sid in ids)
        if dense:
            cls += " dense"
            style = ""
        else:
            style = ";".join(f"--u{lanes[sid]}:{stroke_color(looks[sid].color)}" for sid in ids)
            style = f' style="{style}"'
        if tint and not tint.isdisjoint(ids):
            cls += " tint"
        seg_attr = " ".join(map(str, ids))
        parts.append(
            f'<mark class="{cls}" data-start="{run.start}" data-end="{run.end}" '
            f'data-seg="{seg_attr}"{style}>{body}</mark>'
        )
        for sid in ids:
            if spans[sid][1] == run.end:
                parts.append(f'<span class="cm">end of {escape(looks[sid].label)}</span>')
    return "".join(parts)


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


def line_margin_html(
    line: Line, looks: Mapping[int, SegmentLook], blocks: Mapping[int, int] | None = None
) -> tuple[str, int]:
    """Stripes and labels of one line, placed by lane and character fraction (no JS), and
    the height in px the margin needs for its buttons (0 when the text is surely taller).

    Stripes are decorative (the text's marks carry the same segments) but their hit area
    is 24 px tall (CSS); each label is a button named for screen readers ("Shame, by you,
    turn 12"). With ``blocks``, each block (a coder in "All") has its own lanes, labels and
    "+N" chip.
    """
    blocks = blocks or {}
    parts: list[str] = []
    for stripe in line.stripes:
        cls = "stripe"
        if stripe.first:
            cls += " first"
        if stripe.last:
            cls += " last"
        parts.append(
            f'<span class="{cls}" aria-hidden="true" data-seg="{stripe.segment_id}" '
            f'style="--c:{stroke_color(looks[stripe.segment_id].color)};--lane:{stripe.lane};'
            f"--b:{stripe.block};"
            f'top:{_fraction(stripe.top)};height:{_fraction(stripe.height)}"></span>'
        )
    columns: dict[int, list[tuple[int | None, float]]] = {}
    for sid, top in line.labels:
        columns.setdefault(blocks.get(sid, 0), []).append((sid, top))
    chips: dict[int, list[int]] = {}
    for sid in line.overflow:
        chips.setdefault(blocks.get(sid, 0), []).append(sid)
    room = 0
    for block in sorted(set(columns) | set(chips)):
        column = columns.get(block, [])
        stack = [top for _, top in column]
        if block in chips:
            # The chip is the column's last button: one step below the last label.
            stack.append(stack[-1] if stack else 0.0)
        css_tops = _stack_tops(stack)
        room = max(room, len(stack) * LABEL_STEP_PX if len(stack) > 1 else 0)
        for (sid, _), css_top in zip(column, css_tops, strict=False):
            look = looks[sid]
            name = f"{look.description}, turn {line.number}"
            if look.path and look.path != look.label:
                name += f" ({look.path})"
            flag = REVIEW_FLAG if look.review else ""
            if flag:
                name += ", changed since coding"
            who = f'<b class="who">{escape(look.who)}</b> ' if look.who else ""
            parts.append(
                f'<button type="button" tabindex="-1" class="stripe-label{" review" if flag else ""}" '
                f'data-seg="{sid}" style="--c:{stroke_color(look.color)};--b:{block};top:{css_top}" '
                f'aria-label="{escape(name)}"><span class="nm">{flag}{who}{escape(look.label)}</span>'
                "</button>"
            )
        if block in chips:
            ids = " ".join(map(str, chips[block]))
            count = len(chips[block])
            parts.append(
                f'<button type="button" tabindex="-1" class="stripe-more" data-seg="{ids}" '
                f'style="--b:{block};top:{css_tops[-1]}" '
                f'aria-label="{count} more codes on turn {line.number}">+{count}</button>'
            )
    return "".join(parts), room


def line_html(line: Line, runs_html: str, margin_html: str, room: int = 0) -> str:
    """One turn as a grid row: number in the gutter, the runs, the margin stripes (and a
    spacer that makes the turn tall enough for its margin buttons, see coding.css)."""
    lang = f' lang="{line.lang}"' if line.lang else ""
    speaker = " is-speaker" if line.speaker else ""
    spacer = f'<span class="turn-room" style="--room:{room}px"></span>' if room else ""
    return (
        f'<div class="turn{speaker}" data-start="{line.start}" data-end="{line.end}" '
        f'data-n="{line.number}"><span class="turn-n" aria-hidden="true">{line.number}</span>'
        f'<p class="turn-text"{lang}>{runs_html}</p>'
        f'<div class="turn-margin">{margin_html}</div>{spacer}</div>'
    )


def transcript_html(
    text: str,
    segments: Sequence[SpanLike],
    looks: Mapping[int, SegmentLook],
    *,
    tint: Iterable[int] = (),
    blocks: Mapping[int, int] | None = None,
) -> tuple[RenderedTranscript, SafeString]:
    """Render the sweep, then the HTML of every turn (runs and margin), joined.

    ``blocks``: segment id -> margin block (see :func:`render_transcript`)."""
    rendered = render_transcript(text, segments, blocks=blocks)
    spans = rendered.spans
    lanes = rendered.lanes
    tint_set = frozenset(tint)
    pieces = []
    for line in rendered.lines:
        margin, room = line_margin_html(line, looks, rendered.blocks)
        pieces.append(
            line_html(line, line_runs_html(line, looks, spans, lanes, tint_set), margin, room)
        )
    html = "\n".join(pieces)
    # Safe: every piece of text and every label was escaped above.
    return rendered, mark_safe(html)
