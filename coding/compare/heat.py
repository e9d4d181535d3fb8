"""The heat scale of the comparison matrices: six shades of one hue and readable text."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.lib.colour import readable_on

# One hue (ColorBrewer "Blues"), light to dark; readable by the common colour-vision
# deficiencies because only lightness varies. Text colour per bin keeps >= 4.5:1.
HEAT_COLOURS = ("#f7fbff", "#deebf7", "#9ecae1", "#6baed6", "#2171b5", "#08306b")
DARK_TEXT = "#1b1f24"
LIGHT_TEXT = "#ffffff"


def text_colour(background: str) -> str:
    """Dark or light text, whichever contrasts more with ``background``."""
    return readable_on(background, (DARK_TEXT, LIGHT_TEXT))


@dataclass(frozen=True)
class Bin:
    index: int
    label: str
    background: str
    foreground: str


@dataclass(frozen=True)
class HeatScale:
    """Bins for percentages (fixed) or counts (relative to the largest value)."""

    percent: bool
    maximum: int
    uppers: tuple[int, ...]  # inclusive upper bound of bins 1..5 (counts only)

    @classmethod
    def for_percent(cls) -> HeatScale:
        return cls(percent=True, maximum=100, uppers=())

    @classmethod
    def for_counts(cls, values: Iterable[int]) -> HeatScale:
        maximum = max(values, default=0)
        uppers = tuple(math.ceil(maximum * k / 5) for k in range(1, 6)) if maximum else ()
        return cls(percent=False, maximum=maximum, uppers=uppers)

    def bin_of(self, value: int, denominator: int = 0) -> int:
        if value <= 0:
            return 0
        if self.percent:
            share = value / denominator if denominator else 0
            return min(5, 1 + int(share * 5)) if share < 1 else 5
        for k, upper in enumerate(self.uppers, start=1):
            if value <= upper:
                return k
        return 5

    def bins(self) -> list[Bin]:
        def make(i: int, label: str) -> Bin:
            return Bin(i, label, HEAT_COLOURS[i], text_colour(HEAT_COLOURS[i]))

        if self.percent:
            labels = ["0%", "1–19%", "20–39%", "40–59%", "60–79%", "80–100%"]
            return [make(i, label) for i, label in enumerate(labels)]
        result = [make(0, "0")]
        lower = 1
        for k, upper in enumerate(self.uppers, start=1):
            if upper >= lower:
                result.append(make(k, str(lower) if upper == lower else f"{lower}–{upper}"))
                lower = upper + 1
        return result
