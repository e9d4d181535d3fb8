"""What the coding page's markup repeats for each segment (coding/segments/runs.py): its
look (colour, label, accessible name) and the strings its runs repeat, made from the look
once per process and interface language. The margin (labels and their accessible names) is
drawn by the page's script from the segment table (coding/segments/margin.py)."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import NamedTuple

from django.utils.translation import gettext

from coding.segments.layout import stroke_color


class SegmentLook(NamedTuple):
    """What the HTML needs to draw one segment."""

    color: str  # #RRGGBB as stored; strokes are darkened for contrast
    label: str  # stripe label: the leaf name
    description: str  # accessible name: "Shame, by you"
    review: bool = False  # a text edit changed its words: the label says so in words
    who: str = ""  # the coder's initials before the label (in "All"), unique in the study
    path: str = ""  # the code's full path, added to the accessible name when it differs


class SegmentStrings(NamedTuple):
    """What a segment's runs repeat (coding/segments/runs.py), the same for every segment
    of one look: made once per look and interface language, not once per segment."""

    stroke: str  # its underline colour, darkened to 3:1 against white
    start: str  # screen-reader marker before its first run
    end: str  # ... and after its last


@lru_cache(maxsize=4096)
def look_strings(look: SegmentLook, language: str | None) -> SegmentStrings:
    """The strings of ``look`` in the interface ``language`` (part of the cache's key: a
    page in Chinese never gets the markers an English page made)."""
    start = escape(gettext("start of %(code)s") % {"code": look.label})
    end = escape(gettext("end of %(code)s") % {"code": look.label})
    return SegmentStrings(
        stroke=stroke_color(look.color),
        start=f'<span class="cm">{start}</span>',
        end=f'<span class="cm">{end}</span>',
    )
