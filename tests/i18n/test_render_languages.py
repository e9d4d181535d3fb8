"""The coding page's markup written in Python (coding/segments/runs.py: screen-reader markers,
the changed-text flag) is in the reader's language, whatever language rendered the same
segments before in this process (the per-process caches are per language)."""

from __future__ import annotations

from django.utils import translation

from coding.segments import linecache, runs
from coding.segments.looks import SegmentLook
from coding.segments.runs import Span
from tests.coding.margin_drawn import draw, segs_from_looks


def _html(language: str) -> str:
    text = "P01: 我唔知自己嘅角色 𠝹 at first.\nP02: the team trusted me.\n"
    spans = [Span(1, 5, 12), Span(2, 30, 40)]
    looks = {
        1: SegmentLook("#0072B2", "Hope", "Hope, by you", review=True),
        2: SegmentLook("#0072B2", "Hope", "Hope, by you"),
    }
    with translation.override(language):
        _rendered, html = runs.transcript_html(text, spans, looks)
        # The margin (its "changed" flag) as the page's script draws it, in that language.
        return draw(str(html), segs_from_looks(spans, looks, None, len(text)), 6)


def test_the_markers_follow_the_language_after_another_language_rendered_them():
    linecache.LINES.clear()
    english = _html("en")
    assert "start of Hope" in english and "end of Hope" in english
    assert ">changed</span>" in english
    for language in ("zh-hant", "en", "zh-hant"):
        linecache.LINES.clear()  # the line cache is per language; the strings cache must be too
        html = _html(language)
        if language == "en":
            assert html == english
            continue
        assert "start of" not in html and "end of" not in html and ">changed<" not in html
        assert "The text changed since coding" not in html
        with translation.override("zh-hant"):
            assert translation.gettext("start of %(code)s") % {"code": "Hope"} in html
            assert translation.gettext("The text changed since coding") in html
