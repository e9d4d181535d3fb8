"""workbench.lib.colour against WCAG 2.x figures computed independently."""

from __future__ import annotations

import pytest

from workbench.lib import colour


def wcag_luminance(hex_colour: str) -> float:
    """WCAG 2.0's own formula, with its printed threshold 0.03928."""

    def lin(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


@pytest.mark.parametrize("level", range(256))
def test_luminance_equals_wcag_for_every_8_bit_channel(level):
    for hex_colour in (f"#{level:02x}0000", f"#00{level:02x}00", f"#0000{level:02x}"):
        assert colour.luminance(hex_colour) == wcag_luminance(hex_colour)


def test_contrast_ratios_match_published_figures():
    assert colour.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert colour.contrast("#ffffff", "#000000") == pytest.approx(21.0)  # order-free
    assert colour.contrast("#3a7bd5", "#3a7bd5") == pytest.approx(1.0)
    # #767676 is the lightest grey with 4.5:1 on white (WebAIM: 4.54:1); #777777 is 4.48:1.
    assert round(colour.contrast("#767676", "#ffffff"), 2) == 4.54
    assert round(colour.contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("hex_colour", ["#000000", "#767676", "#d55e00", "#ffffff", "#08306b"])
def test_contrast_with_white_is_the_contrast_against_white(hex_colour):
    expected = 1.05 / (wcag_luminance(hex_colour) + 0.05)
    assert colour.contrast_with_white(hex_colour) == pytest.approx(expected, abs=1e-12)
    assert colour.contrast_with_white(hex_colour) == pytest.approx(
        colour.contrast(hex_colour, "#ffffff"), abs=1e-9
    )


def test_readable_on_picks_the_candidate_with_more_contrast():
    dark, light = "#1b1f24", "#ffffff"
    assert colour.readable_on("#f7fbff", (dark, light)) == dark
    assert colour.readable_on("#08306b", (dark, light)) == light
