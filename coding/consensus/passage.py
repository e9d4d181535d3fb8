"""The quoted passage of one disagreement unit: each side's words and the difference.

Pure functions over the transcript text and a unit's coverage (no database). Offsets are
code points (Python ``text[start:end]``); every piece of the passage carries its own
``start``/``end`` so the browser converts a selection to code points from ``data-start``,
never from a JS string's ``.length``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: Code points of context shown before and after a unit (cut at the line and at a space).
CONTEXT = 60
#: Longest quote shown for one side before it is shortened in the middle.
QUOTE_MAX = 300
#: The compared layers are lettered A, B, ... in the order the review was asked for.
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Piece:
    start: int
    end: int
    text: str
    #: "context" (outside the unit), "none" (inside, nobody), "all", "only" (some layers).
    kind: str
    layers: tuple[int, ...] = ()  # indexes of the layers that cover the piece

    @property
    def letters(self) -> str:
        return ", ".join(LETTERS[i] for i in self.layers)

    @property
    def only_first(self) -> bool:
        return self.kind == "only" and self.layers == (0,)

    @property
    def only_second(self) -> bool:
        return self.kind == "only" and self.layers == (1,)


@dataclass
class Passage:
    start: int
    end: int
    pieces: list[Piece]
    clipped_before: bool
    clipped_after: bool
    quotes: list[list[str]] = field(default_factory=list)  # per layer, its coded words
    consensus: list[str] = field(default_factory=list)


def _context_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    cs = max(line_start, start - CONTEXT)
    if cs > line_start:
        space = text.find(" ", cs, start)
        cs = space + 1 if space != -1 else cs
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    ce = min(line_end, end + CONTEXT)
    if ce < line_end:
        space = text.rfind(" ", end, ce)
        ce = space if space != -1 else ce
    return cs, ce


def _shorten(quote: str) -> str:
    if len(quote) <= QUOTE_MAX:
        return quote
    half = QUOTE_MAX // 2
    return f"{quote[:half]} … {quote[-half:]}"


def passage(
    text: str,
    start: int,
    end: int,
    coverage: Sequence[Sequence[tuple[int, int]]],
    consensus: Sequence[tuple[int, int]] = (),
) -> Passage:
    """The unit ``[start, end)`` with context, split wherever the set of covering layers
    changes. ``coverage[i]`` is layer i's intervals inside the unit."""
    cs, ce = _context_bounds(text, start, end)
    cuts = {cs, start, end, ce}
    for cov in coverage:
        for s, e in cov:
            cuts.update((max(s, start), min(e, end)))
    points = sorted(c for c in cuts if cs <= c <= ce)
    pieces = []
    n = len(coverage)
    for a, b in zip(points, points[1:], strict=False):
        if a >= b:
            continue
        if b <= start or a >= end:
            kind, layers = "context", ()
        else:
            layers = tuple(
                i for i, cov in enumerate(coverage) if any(s <= a and b <= e for s, e in cov)
            )
            kind = "all" if len(layers) == n else "only" if layers else "none"
        pieces.append(Piece(a, b, text[a:b], kind, layers))
    return Passage(
        start=cs,
        end=ce,
        pieces=pieces,
        clipped_before=cs > 0 and text[cs - 1] != "\n",
        clipped_after=ce < len(text) and text[ce] != "\n",
        quotes=[[_shorten(text[s:e]) for s, e in cov] for cov in coverage],
        consensus=[_shorten(text[s:e]) for s, e in consensus],
    )
