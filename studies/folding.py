"""Folding text for corpus search (coding/search), kept here so that the transcript model
can store the folded copy search counts on (:class:`studies.models.TranscriptSearchText`).

* Case: ``str.casefold``. A text where some character folds to several ("ß" → "ss") has no
  folded copy: its offsets would move, so search reads that text itself.
* Variants: each Han character that OpenCC converts to one other character (Traditional,
  Hong Kong and Taiwan forms to Simplified) is replaced by it, one character for one, so
  offsets never move.
"""

from __future__ import annotations

import re
from functools import lru_cache

_HAN_RANGES = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x31350))
_HAN = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi - 1)}" for lo, hi in _HAN_RANGES) + "]")


@lru_cache(maxsize=1)
def variant_tables() -> tuple[dict[str, str], dict[str, str]]:
    """(fold, members): ``fold`` maps a Han character to its Simplified form where OpenCC
    gives one character for it (Traditional, Hong Kong and Taiwan forms); ``members`` maps
    every folded form to a regex class of every character folding to it."""
    import opencc

    chars = [chr(c) for lo, hi in _HAN_RANGES for c in range(lo, hi)]
    joined = "\n".join(chars)
    fold: dict[str, str] = {}
    # Separated by line breaks, no phrase of the dictionaries spans two characters: each is
    # converted on its own. A conversion to several characters is ignored (offsets).
    for config in ("t2s", "hk2s", "tw2s"):
        converted = opencc.OpenCC(config).convert(joined).split("\n")
        if len(converted) != len(chars):  # pragma: no cover - defensive
            converted = [opencc.OpenCC(config).convert(ch) for ch in chars]
        for ch, out in zip(chars, converted, strict=True):
            if len(out) == 1 and out != ch and ch not in fold:
                fold[ch] = out
    groups: dict[str, set[str]] = {}
    for ch, out in fold.items():
        groups.setdefault(out, {out}).add(ch)
    members = {out: "[" + "".join(sorted(group)) + "]" for out, group in groups.items()}
    return fold, members


@lru_cache(maxsize=1)
def _translation() -> dict[int, str]:
    return {ord(ch): out for ch, out in variant_tables()[0].items()}


def fold_variants(text: str) -> str:
    """``text`` with every Han character in its Simplified form (same length)."""
    return text.translate(_translation())


def searchable(text: str) -> tuple[str | None, str | None]:
    """(folded, variants) of ``text`` as stored for search: the case-folded text, None when
    folding changes its length; and that with variants folded, None when it is the same."""
    folded = text.casefold()
    if len(folded) != len(text):
        return None, None
    if not _HAN.search(folded):
        return folded, None
    variants = fold_variants(folded)
    return folded, (variants if variants != folded else None)
