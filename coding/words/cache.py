"""A bounded in-process cache of each transcript's word counts (coding/words/tokens.py).

A transcript's counts are a pure function of its text, the speech counted (everyone's, one
speaker's) and the segmenter, so the key is (transcript id, version, checksum, speech,
segmenter, :data:`tokens.VERSION`): an edit of the text bumps the version and makes a new
key; nothing is invalidated, old keys age out least recently used first once the cache
holds more than its budget of distinct words and phrases.

Each process segments a transcript once per kind of speech; the Words page then only adds
up counters, and :data:`TOTALS` keeps the sums of the sets of transcripts asked for lately
(keyed by every transcript's key, so an edit of one is a new sum).
"""

from __future__ import annotations

from typing import Any

from workbench.lib.lru import SizedLRU

#: Distinct words and phrases kept per process (about 100 bytes each: the words themselves
#: are interned, shared by every transcript): the seed study's counts of three kinds of
#: speech. Counts that do not fit are read again from the database.
MAX_ENTRIES = 600_000


class CountCache(SizedLRU):
    """Word counts by key, bounded by the distinct words and phrases they hold (+1 each)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        super().__init__(max_entries, _size)


def _size(key: Any, value: Any) -> int:
    return value.size + 1


#: The word counts of transcripts (one per process).
COUNTS = CountCache()
#: Their totals over the sets of transcripts asked for lately (the key names every
#: transcript's counts), ranked: the Words page's filters change only which are shown.
TOTALS = CountCache(max_entries=MAX_ENTRIES // 4)
