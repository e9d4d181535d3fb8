"""A bounded in-process cache of rendered transcript lines (coding/segments/runs.py).

A line's HTML is a pure function of its text, its index and number, the spans overlapping
it and what each looks like (code colour and name, layer words, review flag, margin block,
tint) and the page's block lanes: :func:`runs.transcript_html` keys each line by exactly
these, so a hit is the HTML the line would render to, and any change to them (a segment
created, moved, removed, recoded; a code renamed or recoloured; the text edited) is a
different key. Nothing is ever invalidated: old keys just age out, least recently used
first, once the cache holds more than its byte budget.

Reopening a transcript, switching its view back, or re-rendering it after a write that
touched a few lines renders only the lines not seen before.

The whole transcript is kept too, keyed the same way (its text, :data:`PAGE`, the block
layout, then every span with its look, block and tint): the same view reopened costs the
key's comparison only, not one key per line.
"""

from __future__ import annotations

from typing import Any

from workbench.lib.lru import SizedLRU

#: The budget per process for the cached lines' HTML and whole transcripts' HTML and bytes
#: (their keys hold the text and a few tuples more: about as much again).
MAX_BYTES = 32 << 20


class LineCache(SizedLRU):
    """Rendered lines by key, bounded by the characters of their HTML and line text."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        super().__init__(max_bytes, _size)


#: The second item of a whole transcript's key (a line's is its bound, a tuple).
PAGE = "page"


def _size(key: Any, value: Any) -> int:
    if key[1] == PAGE:
        # A whole transcript's entry will also hold its UTF-8 bytes once the page asks for
        # them: about as many as its characters (the markup is ASCII), counted ahead.
        return 2 * len(value[1]) + len(key[0])
    return len(value[1]) + len(key[0])


#: The coding page's lines (one per process).
LINES = LineCache()
