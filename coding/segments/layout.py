"""Small pure helpers of the coding page's layout: a line's language, label placement in
a turn's margin, stroke colours with enough contrast on white."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from coding.models import COLOR_RE
from workbench.lib.colour import contrast_with_white

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
