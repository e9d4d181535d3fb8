"""Sentences joined as the language writes them: a space after a Latin full stop or colon,
none after a full-width one (Chinese writes "。下一句", not "。 下一句")."""

from __future__ import annotations

from collections.abc import Iterable

#: Full-width punctuation that ends a sentence or a lead-in and carries its own space.
FULL_WIDTH_ENDS = ("。", "：", "；", "！", "？", "）", "」")


def join_sentences(parts: Iterable[str]) -> str:
    """The non-empty ``parts`` as one paragraph."""
    out = ""
    for part in parts:
        part = str(part).strip()
        if not part:
            continue
        if out and not out.endswith(FULL_WIDTH_ENDS):
            out += " "
        out += part
    return out
