"""What the coding page's markup repeats for each segment (coding/segments/runs.py): its
look (colour, label, accessible name) and the strings made from it once per process, per
interface language."""

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


# Before the label (which may be cut with an ellipsis) so the words always show.
def _review_flag() -> str:
    # gettext outside the f-strings: makemessages (xgettext) does not read inside them
    title = escape(gettext("The text changed since coding"))
    word = escape(gettext("changed"))
    return f'<span class="review-flag" title="{title}">{word}</span> '


class SegmentStrings(NamedTuple):
    """One segment's pieces of markup, computed once per page (not per run or line)."""

    stroke: str
    block: int
    start: str  # screen-reader marker before its first run
    end: str  # ... and after its last
    stripe: str  # a stripe after its class, up to the lane
    stripe_b: str  # ... from the lane to the top
    label: str  # its label button up to the top
    name: str  # escaped accessible name, before ", turn N"
    suffix: str  # escaped, after the turn number
    body: str  # the rest of the label button


@lru_cache(maxsize=4096)
def _look_strings(
    look: SegmentLook, language: str | None
) -> tuple[str, str, str, str, str, str, str]:
    """What a look's segments share (most share one: a code in a layer): escaped once (in
    the active ``language``: the cache is per language)."""
    stroke = stroke_color(look.color)
    label = escape(look.label)
    suffix = ""
    if look.path and look.path != look.label:
        suffix += f" ({look.path})"
    flag = _review_flag() if look.review else ""
    if flag:
        suffix += gettext(", changed since coding")
    who = f'<b class="who" translate="no">{escape(look.who)}</b> ' if look.who else ""
    start = escape(gettext("start of %(code)s") % {"code": look.label})
    end = escape(gettext("end of %(code)s") % {"code": look.label})
    return (
        stroke,
        f'<span class="cm">{start}</span>',
        f'<span class="cm">{end}</span>',
        escape(look.description),
        escape(suffix),
        f'"><span class="nm">{flag}{who}<span translate="no">{label}</span></span></button>',
        " review" if flag else "",
    )


@lru_cache(maxsize=1 << 15)
def segment_strings(
    sid: int, look: SegmentLook, block: int, language: str | None
) -> SegmentStrings:
    """One segment's strings in the interface ``language`` (part of the cache's key: a
    page in Chinese never gets the markers an English page made)."""
    stroke, start, end, name, suffix, body, review = _look_strings(look, language)
    return SegmentStrings(
        stroke=stroke,
        block=block,
        start=start,
        end=end,
        stripe=f'" aria-hidden="true" data-seg="{sid}" style="--c:{stroke};--lane:',
        stripe_b=f";--b:{block};top:",
        label=(
            f'<button type="button" tabindex="-1" class="stripe-label{review}" '
            f'data-seg="{sid}" style="--c:{stroke};--b:{block};top:'
        ),
        name=name,
        suffix=suffix,
        body=body,
    )
