"""Server-side rendering of a coded transcript: the run sweep of docs/DESIGN.md.

The canonical text is split at every segment boundary and at every line break. Each line
(a paragraph; a speaker turn when it starts with ``Speaker:``) becomes a list of runs
whose offsets are code points of the canonical text, exactly Python's ``text[start:end]``.
The lanes are assigned here: underlines come from each segment's lane on the line; the
margin (stripes, labels, "+N" chips) is drawn by the page's script
(static/js/coding/margin.js) from each turn's ``data-m`` (every segment's stripe lane on the
line and its label's place, computed here: :func:`_margin_data`) and the segment table,
stripes at the character fraction of the line they cover (the tests draw it in Python the
same way: tests/coding/margin_drawn.py).

A line's HTML depends only on the line's text, its index and number, and the segments
overlapping it: underline and stripe lanes are assigned per line (greedy by start, so
segments continuing from the line above come first), a block's stripe lanes are
``MAX_LANES // block_count``. So a write can re-render only the lines it touches
(:func:`render_lines`) and get exactly the HTML of a full render (:func:`transcript_html`).

The markup is linear in runs + segments: a run carries its offsets and at most
UNDERLINE_LANES colours, never the ids of the segments covering it; the page's segment
table (``segments-data``) is emitted once and the browser finds the segments at an offset
there. A turn's ``data-m`` has one short token per segment on it; screen-reader "start
of"/"end of" markers sit at segment boundaries.

Everything here is pure (no database): :func:`render_transcript` computes the structure
(runs with the ids covering them, stripes, labels; for tests and the consensus view), and
:func:`transcript_html` / :func:`render_lines` the coding page's HTML without building it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString
from django.utils.translation import get_language

from coding.segments import linecache
from coding.segments.initials import unique_initials
from coding.segments.layout import (
    CJK,
    LABEL_LINES,
    MAX_LANES,
    Span,
    SpanLike,
    assign_lanes,
    block_layout,
    clip_spans,
    greedy_lanes,
    line_bounds,
    line_language,
    margin_lanes,
    place_labels,
    segments_by_line,
    sort_reading_order,
    stroke_color,
)
from coding.segments.lines import (
    CHARS_PER_LINE,
    Line,
    RenderedTranscript,
    Run,
    Stripe,
    _est_lines,
    _new_line,
)
from coding.segments.looks import SegmentLook, SegmentStrings, look_strings
from workbench.lib.colour import contrast_with_white

# Re-exported: the page, the consensus view and the codebook use them from here.
__all__ = [
    "CHARS_PER_LINE",
    "Line",
    "RenderedTranscript",
    "Run",
    "Stripe",
    "LABEL_LINES",
    "SegmentLook",
    "MAX_LANES",
    "Span",
    "SpanLike",
    "assign_lanes",
    "contrast_with_white",
    "line_language",
    "place_labels",
    "sort_reading_order",
    "stroke_color",
    "unique_initials",
]

#: Underline lanes drawn in the text; a run covered by more (or by a segment in a higher
#: lane) gets one thick dark underline instead.
UNDERLINE_LANES = 3


def _line_structure(
    text: str,
    bound: tuple[int, int, int, int],
    segs: list[Span],
    blocks: Mapping[int, int] | None,
    block_lanes: int,
) -> Line:
    line, speaker_end, cjk, _ = _new_line(text, bound)
    line_start, line_end = line.start, line.end
    lanes = line.lanes = greedy_lanes(segs) if segs else {}
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
    margin = margin_lanes(segs, lanes, blocks)
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
    spans = clip_spans(segments, length)
    block_count, block_lanes = block_layout(blocks)
    lines = [
        _line_structure(text, bound, segs, blocks, block_lanes)
        for bound, segs in segments_by_line(line_bounds(text), spans)
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


class TranscriptHTML(SafeString):
    """A transcript's HTML (safe: every piece of text and label in it was escaped) that
    keeps its UTF-8 bytes once asked: a page reopened from the cache (see
    :func:`transcript_html`) answers them without encoding ~1 MB of mostly non-ASCII
    markup again."""

    __slots__ = ("_utf8",)

    @property
    def utf8(self) -> bytes:
        try:
            return self._utf8
        except AttributeError:
            self._utf8 = self.encode()
            return self._utf8


class _Strings(dict):
    """Each segment's :class:`SegmentStrings` (its look's, made once per look and
    language), looked up the first time a line asks for them: a line then costs a dict
    lookup a segment."""

    __slots__ = ("looks", "language")

    def __init__(self, looks: Mapping[int, SegmentLook], language: str | None) -> None:
        super().__init__()
        self.looks, self.language = looks, language

    def __missing__(self, sid: int) -> SegmentStrings:
        made = self[sid] = look_strings(self.looks[sid], self.language)
        return made

    def fill(self, ids: Iterable[int]) -> None:
        """The strings of ``ids`` at once (a whole transcript draws every segment): one
        comprehension instead of a ``__missing__`` call per segment. Ids without a look
        are left to ``__missing__`` (a span on no line is never drawn)."""
        looks, language = self.looks, self.language
        self.update({sid: look_strings(looks[sid], language) for sid in ids if sid in looks})


class _Markup:
    """What every line's markup shares: the looks, blocks, tint, and the strings of each
    segment (made for the segments drawn, so rendering a few lines costs only theirs)."""

    __slots__ = (
        "blocks",
        "block_count",
        "block_lanes",
        "cjk",
        "language",
        "looks",
        "strings",
        "styles",
        "tint",
    )

    def __init__(
        self,
        looks: Mapping[int, SegmentLook],
        tint: Iterable[int] = (),
        blocks: Mapping[int, int] | None = None,
    ) -> None:
        self.looks = looks
        self.tint = frozenset(tint)
        self.blocks = blocks or None
        self.block_count, self.block_lanes = block_layout(blocks)
        #: Whether the text has Chinese characters at all (else no line needs counting).
        self.cjk = True
        #: The interface language the strings are made in (and cached per).
        self.language = get_language()
        self.strings = _Strings(looks, self.language)
        #: A run's underline style for each combination of lane colours met so far.
        self.styles: dict[tuple[str | None, ...], str] = {}


def line_html(line: Line, runs_html: str, data: str = "") -> str:
    """One turn as a grid row: number in the gutter, the runs, and an empty margin that the
    page's script draws from ``data`` (its ``data-m``; see coding.css for the spacer it adds
    when the turn must grow to hold its buttons). Its id ``ln-<index>`` is stable: a write
    swaps just the turns it touched."""
    lang = f' lang="{line.lang}"' if line.lang else ""
    speaker = " is-speaker" if line.speaker else ""
    return (
        f'<div class="turn{speaker}" id="ln-{line.index}" data-start="{line.start}" '
        f'data-end="{line.end}" data-n="{line.number}"{data}>'
        f'<span class="turn-n" aria-hidden="true">{line.number}</span>'
        f'<p class="turn-text"{lang} translate="no">{runs_html}</p>'
        '<div class="turn-margin"></div></div>'
    )


def _line_markup(
    text: str, bound: tuple[int, int, int, int], segs: list[Span], mk: _Markup
) -> tuple[Line, str]:
    """One line's HTML from the line and the spans overlapping it (in span order), nothing
    else: runs (``<span class="r">`` plain, ``<mark class="r">`` coded, with code-point
    ``data-start``/``data-end`` and the underline colours of lanes below UNDERLINE_LANES,
    or ``dense``), hidden "start of"/"end of" markers between runs, then the margin."""
    line, speaker_end, cjk, raw = _new_line(text, bound, mk.cjk, structure=False)
    line_start, line_end = line.start, line.end
    # Most lines have nothing to escape: their runs are copied as they are.
    plain = "&" not in raw and "<" not in raw and ">" not in raw
    if not segs:
        if speaker_end > line_start:
            a, b = text[line_start:speaker_end], text[speaker_end:line_end]
            if not plain:
                a, b = escape(a, quote=False), escape(b, quote=False)
            runs_html = (
                f'<span class="r spk" data-start="{line_start}" data-end="{speaker_end}">{a}</span>'
            )
            if b:
                runs_html += (
                    f'<span class="r" data-start="{speaker_end}" data-end="{line_end}">{b}</span>'
                )
        else:
            body = raw if plain else escape(raw, quote=False)
            runs_html = (
                f'<span class="r" data-start="{line_start}" data-end="{line_end}">{body}</span>'
            )
        return line, line_html(line, runs_html)
    strs = mk.strings
    styles = mk.styles
    tint = mk.tint
    # The lanes as greedy_lanes assigns them (the lowest lane whose span has ended), in
    # the same pass as the events for a line's usual few spans. An event is (offset, 0 for
    # an end or 1 for a start, lane, the span's place in ``segs``): no two share their
    # first three, so the sort never compares the fourth.
    many = len(segs) > 32
    lanes = greedy_lanes(segs) if many else {}
    ends: list[int] = []
    slot: list[str | None] = [None] * UNDERLINE_LANES
    active = high = tinted = 0
    events = []
    sts: list[SegmentStrings] = []
    marked: list[bool] = []
    made = strs.get  # a plain look-up; a miss makes the strings (_Strings.__missing__)
    for i, (sid, start, end) in enumerate(segs):
        if many:
            lane = lanes[sid]
        elif start < line_start:
            # Continues from the line above, as every span before it (spans are in order
            # of start) and all still open at the line's start: no lane is free, a new one.
            lane = len(ends)
            ends.append(end)
            lanes[sid] = lane
        else:
            for lane, taken_until in enumerate(ends):
                if taken_until <= start:
                    ends[lane] = end
                    break
            else:
                lane = len(ends)
                ends.append(end)
            lanes[sid] = lane
        st = made(sid)
        if st is None:
            st = strs[sid]
        sts.append(st)
        is_tinted = sid in tint if tint else False
        marked.append(is_tinted)
        if start >= line_start:
            events.append((start, 1, lane, i))
        else:  # continues from the line above: active from the first run, no marker
            active += 1
            if lane < UNDERLINE_LANES:
                slot[lane] = st.stroke
            else:
                high += 1
            if is_tinted:
                tinted += 1
        if end <= line_end:
            events.append((end, 0, lane, i))
    events.sort()
    events.append((line_end + 1, 0, 0, 0))  # a sentinel past the line: no bound checks
    parts: list[str] = []
    ei = 0
    at = events[0][0]
    cur = line_start
    cur_s = str(cur)  # each offset is formatted once: a run's end is the next one's start
    while True:
        # Ends before starts at one offset (lane order within each), so markers read
        # "end of A, start of B" between the runs.
        while at == cur:
            _, kind, lane, i = events[ei]
            ei += 1
            at = events[ei][0]
            st = sts[i]
            if kind:
                parts.append(st.start)
                active += 1
                if lane < UNDERLINE_LANES:
                    slot[lane] = st.stroke
                else:
                    high += 1
                if marked[i]:
                    tinted += 1
            else:
                parts.append(st.end)
                active -= 1
                if lane < UNDERLINE_LANES:
                    slot[lane] = None
                else:
                    high -= 1
                if marked[i]:
                    tinted -= 1
        if cur >= line_end:
            break
        nxt = at if at < line_end else line_end
        if cur < speaker_end:
            if speaker_end < nxt:
                nxt = speaker_end
            cls = "r spk"
        else:
            cls = "r"
        body = text[cur:nxt] if plain else escape(text[cur:nxt], quote=False)
        nxt_s = str(nxt)
        if not active:
            parts.append(
                f'<span class="{cls}" data-start="{cur_s}" data-end="{nxt_s}">{body}</span>'
            )
        else:
            if high:
                cls += " dense"
                style = ""
            else:
                key = tuple(slot)
                style = styles.get(key)
                if style is None:
                    style = ";".join([f"--u{i}:{c}" for i, c in enumerate(slot) if c])
                    style = styles[key] = f' style="{style}"'
            if tinted:
                cls += " tint"
            parts.append(
                f'<mark class="{cls}" data-start="{cur_s}" data-end="{nxt_s}"{style}>{body}</mark>'
            )
        cur, cur_s = nxt, nxt_s
    runs_html = "".join(parts)

    line.lanes = lanes
    return line, line_html(line, runs_html, _margin_data(line, segs, lanes, mk, cjk))


#: A lane's token in ``data-m``, for the lanes a line can have (more are formatted).
_LANE_WORDS = [str(lane) for lane in range(64)]


def _margin_data(line: Line, segs: list[Span], lanes: dict[int, int], mk: _Markup, cjk: int) -> str:
    """The line's margin as data for the page's script (static/js/coding/margin.js), which
    draws the stripes, labels and "+N" chips from it and the segment table: one token per
    segment on the line, in span order (the order the script finds them in the table): its
    stripe lane within its block, then ``@<top>`` (the label's top in percent of the turn)
    when its label is placed here, or ``!`` when its label went to the "+N" chip. A lane of
    the block's lanes or more is in the chip (no stripe). The lanes and label places are
    computed here (cheap, and the underlines need the lanes anyway); the geometry from the
    offsets and the markup are the script's."""
    blocks = mk.blocks
    margin = margin_lanes(segs, lanes, blocks) if blocks else lanes
    block_lanes = mk.block_lanes
    line_start = line.start
    size = line.end - line_start
    lane_words = _LANE_WORDS
    tokens: list[str] = []
    wanted: dict[int, list[tuple[int, float]]] = {}
    position: dict[int, int] = {}
    for i, (sid, start, _) in enumerate(segs):
        lane = margin[sid]
        tokens.append(lane_words[lane] if lane < 64 else str(lane))
        if start >= line_start and lane < block_lanes:
            block = blocks.get(sid, 0) if blocks else 0
            wanted.setdefault(block, []).append((sid, (start - line_start) / size))
            position[sid] = i
    if wanted:
        est = _est_lines(size, cjk)
        for b in sorted(wanted):
            column = wanted[b]
            if len(column) == 1:
                # One label (most columns): place_labels keeps it at its top, inside the
                # turn (a turn holds at least two: a label is at most half of it tall).
                sid, top = column[0]
                placed, dropped = [(sid, max(0.0, min(top, 1.0 - LABEL_LINES / est)))], []
            else:
                placed, dropped = place_labels(column, est)
            for sid, top in placed:
                tokens[position[sid]] += f"@{top * 100:.2f}"
            for sid in dropped:
                tokens[position[sid]] += "!"
    return f' data-m="{" ".join(tokens)}"'


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
    mk = _Markup(looks, tint, blocks)
    cache, blocks, tint = linecache.LINES, mk.blocks, mk.tint
    # The whole transcript is keyed by all it depends on, as each line is (see
    # coding/segments/linecache.py): the text, every segment as given (the spans are cut
    # from them and the text alone), its look, block and tint, the block layout and the
    # interface language (the margin's and flags' words). A page
    # seen before (the same view reopened) costs this key only.
    if all(type(s) is Span for s in segments):
        # Spans are (id, start, end) tuples already: the key holds them as they are.
        ids = [s[0] for s in segments]
        given = tuple(segments)
    else:
        ids = [s.id for s in segments]
        given = tuple([(s.id, s.start, s.end) for s in segments])
    page_key = (
        text,
        linecache.PAGE,
        (mk.block_count, mk.block_lanes, mk.language),
        given,
        tuple(map(looks.get, ids)),
        tuple([blocks.get(sid, 0) for sid in ids]) if blocks else None,
        tuple([sid in tint for sid in ids]) if tint else None,
    )
    page_hit = cache.get(page_key)
    if page_hit is not None:
        return page_hit
    spans = clip_spans(segments, len(text))
    mk.strings.fill([s[0] for s in spans])
    mk.cjk = not text.isascii() and CJK.search(text) is not None
    lines: list[Line] = []
    pieces: list[str] = []
    # Each line is keyed by all it depends on (see coding/segments/linecache.py): its text,
    # bound and spans, their looks, blocks and tint, the block lanes.
    fixed = (mk.block_lanes, mk.cjk, mk.language)
    for bound, segs in segments_by_line(line_bounds(text), spans):
        key = (
            text[bound[2] : bound[3]],
            bound,
            fixed,
            tuple(segs),
            tuple([looks[s[0]] for s in segs]),
            tuple([blocks.get(s[0], 0) for s in segs]) if blocks else None,
            tuple([s[0] in tint for s in segs]) if tint else None,
        )
        hit = cache.get(key)
        if hit is None:
            hit = _line_markup(text, bound, segs, mk)
            cache.add(key, hit)
        line, html = hit
        lines.append(line)
        pieces.append(html)
    rendered = RenderedTranscript(
        lines=lines,
        spans={sid: (start, end) for sid, start, end in spans},
        lane_count=max((max(ln.lanes.values()) + 1 for ln in lines if ln.lanes), default=0),
        length=len(text),
        blocks={sid: blocks.get(sid, 0) for sid, _, _ in spans} if blocks else {},
        block_count=mk.block_count,
        block_lanes=mk.block_lanes,
    )
    # Safe: every piece of text and every label was escaped above.
    result = (rendered, TranscriptHTML("\n".join(pieces)))
    cache.put(page_key, result)
    return result


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
    lines=None,
) -> list[tuple[Line, str]]:
    """``(line, html)`` for just the non-empty lines intersecting ``[lo, hi)`` (the line
    holding ``lo`` when the span is empty), each exactly as :func:`transcript_html` renders
    it in the whole page.

    ``segments`` must hold every segment overlapping those lines, i.e. overlapping
    :func:`lines_span` ``(text, lo, hi)`` (more do no harm); ``blocks`` the page's whole
    mapping (the block count comes from it). ``lines``: the text's
    :class:`~coding.segments.lineindex.LineIndex`, so that the first line's index and
    number are looked up instead of counted in the text before it.
    """
    length = len(text)
    a, b = lines_span(text, lo, hi)
    spans = [s for s in clip_spans(segments, length) if s.start < b + 1 and s.end > a]
    at = lines.position(text, a) if lines is not None else None
    if at is not None:
        index, before = at
    else:
        index = text.count("\n", 0, a)
        before = sum(1 for part in text[:a].split("\n") if part) if a else 0
    mk = _Markup(looks, tint, blocks)
    start, stop = max(0, min(lo, length)), max(lo + 1, hi)
    out = []
    for bound, segs in segments_by_line(line_bounds(text, a, index, before, stop), spans):
        if bound[3] > start or (bound[2] <= start <= bound[3] and hi <= lo):
            out.append(_line_markup(text, bound, segs, mk))
    return out
