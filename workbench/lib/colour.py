"""Colour arithmetic of WCAG 2.x: relative luminance and contrast ratio.

The one place that turns a ``#rrggbb`` colour into a luminance; the heat scales, the
code colours' strokes and the text on coloured backgrounds all ask it.
"""

from __future__ import annotations

WHITE = "#ffffff"


def _channel(value: int) -> float:
    # sRGB to linear light (IEC 61966-2-1). WCAG 2.0 prints the threshold as 0.03928,
    # the sRGB standard as 0.04045: no 8-bit channel (k/255) lies between the two, so
    # both give the same luminance for every #rrggbb colour.
    s = value / 255
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Relative luminance of ``#rrggbb``: 0 for black, 1 for white."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """Contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def contrast_with_white(hex_colour: str) -> float:
    """Contrast ratio of ``#rrggbb`` against white (the page background)."""
    return 1.05 / (luminance(hex_colour) + 0.05)


def readable_on(background: str, candidates: tuple[str, ...]) -> str:
    """The candidate text colour that contrasts most with ``background``."""
    return max(candidates, key=lambda fg: contrast(background, fg))
