"""The space a language writes between two sentences and before a bracket.

English joins "No participants yet." and "Add one below." with a space and writes
"pi (you)"; Chinese writes neither space: "尚未有參與者。請在下方新增" and "pi（你）".
Templates join translated pieces with ``{% sentence_space %}`` instead of a literal space;
Python joins them with :func:`join_sentences`.
"""

from __future__ import annotations

import re

from django import template
from django.utils import translation

register = template.Library()

#: Languages written without spaces between words or sentences.
UNSPACED = ("zh", "ja")


def sentence_space() -> str:
    """A space in the active language, or nothing where it writes none (Chinese)."""
    language = (translation.get_language() or "").lower()
    return "" if language.split("-")[0] in UNSPACED else " "


def join_sentences(*parts) -> str:
    """Translated sentences (or a name and its bracket) joined as the active language does."""
    return sentence_space().join(str(p) for p in parts if p)


@register.simple_tag(name="sentence_space")
def sentence_space_tag() -> str:
    return sentence_space()


_OPEN_GAP = re.compile(r"(?<=[，。；：！？）」、])[ \u00a0]+|[ \u00a0]+(?=[（「])")


def close_up(text: str) -> str:
    """``text`` with the spaces after a full-width mark and before a full-width bracket removed,
    where the active language writes none: a translated " and " between two figures gives
    "（95% 信賴區間 …）及 Cohen κ", not "（…） 及 Cohen κ"."""
    return _OPEN_GAP.sub("", text) if not sentence_space() else text
