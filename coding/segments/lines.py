"""The shape of a coded transcript's lines (coding/segments/runs.py): a line's bounds,
speaker and language (:func:`_new_line`), the runs, stripes and labels
:func:`runs.render_transcript` fills in, and the estimate of a turn's text lines that
margin labels are spaced by."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coding.segments.layout import CJK, MAX_LANES, line_language
from studies.text import speaker_of

#: Margin labels: a label is LABEL_LINES of a text line tall, and a line holds at least
#: CHARS_PER_LINE narrow characters (the column is 70ch; wide CJK characters count 2).
#: The estimate of a turn's lines is therefore a lower bound, so labels spaced by it in
#: percent of the turn's height never overlap whatever the real wrapping is.
CHARS_PER_LINE = 85

_LABEL = re.compile(r"(?:\[[\d:.,]+\][ \t]*)?[^:：]*[:：][ \t]?")  # after a time marker


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


#: The structure of a line drawn as HTML: none (immutable, so never shared by mistake).
_NO_STRUCTURE = ()


def _new_line(
    text: str, bound: tuple[int, int, int, int], cjk_text: bool = True, structure: bool = True
) -> tuple[Line, int, int, str]:
    """The line's :class:`Line` (no runs yet; with ``structure=False`` empty tuples in
    place of its runs, stripes, labels and overflow: the HTML path fills none of them),
    where its speaker label ends, its count of Chinese characters (0 without looking when
    ``cjk_text`` says the text has none, or the line is ASCII) and its text."""
    index, number, start, end = bound
    raw = text[start:end]
    cjk = len(CJK.findall(raw)) if cjk_text and not raw.isascii() else 0
    speaker = speaker_of(raw)
    speaker_end = -1
    if speaker is not None:
        match = _LABEL.match(raw)
        speaker_end = start + (match.end() if match else 0)
    lang = line_language(raw, cjk) if cjk else None
    if structure:
        line = Line(index, number, start, end, speaker, lang)
    else:
        none = _NO_STRUCTURE
        line = Line(index, number, start, end, speaker, lang, none, none, none, none, {})
    return line, speaker_end, cjk, raw


def _est_lines(size: int, cjk: int) -> int:
    return max(1, -(-(size + cjk) // CHARS_PER_LINE))
