"""The space a language writes between two sentences and before a bracket.

English joins "No participants yet." and "Add one below." with a space and writes
"pi (you)"; Chinese writes neither space: "尚未有參與者。請在下方新增" and "pi（你）".
Templates join translated pieces with ``{% sentence_space %}`` (coding/templatetags/
language_spacing.py); Python joins them with :func:`join_sentences`.
"""

from __future__ import annotations

import re

from django.utils import translation

#: Languages written without spaces between words or sentences.
UNSPACED = ("zh", "ja")


def sentence_space() -> str:
    """A space in the active language, or nothing where it writes none (Chinese)."""
    language = (translation.get_language() or "").lower()
    return "" if language.split("-")[0] in UNSPACED else " "


#: Full-width punctuation that ends a sentence or a lead-in and carries its own space.
FULL_WIDTH_ENDS = ("。", "：", "；", "！", "？", "）", "」")


def join_sentences(*parts) -> str:
    """Translated sentences (or a name and its bracket) joined as the active language does:
    empty parts dropped; a space between two in English, none in Chinese, and none after a
    full-width mark whatever the language ("。下一句", not "。 下一句")."""
    space = sentence_space()
    out = ""
    for part in parts:
        part = str(part).strip()
        if not part:
            continue
        if out and space and not out.endswith(FULL_WIDTH_ENDS):
            out += space
        out += part
    return out


_OPEN_GAP = re.compile(r"(?<=[，。；：！？）」、])[ \u00a0]+|[ \u00a0]+(?=[（「])")


def close_up(text: str) -> str:
    """``text`` with the spaces after a full-width mark and before a full-width bracket removed,
    where the active language writes none: a translated " and " between two figures gives
    "（95% 信賴區間 …）及 Cohen κ", not "（…） 及 Cohen κ"."""
    return _OPEN_GAP.sub("", text) if not sentence_space() else text
