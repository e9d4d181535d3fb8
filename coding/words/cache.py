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

import threading
from collections import OrderedDict
from typing import Any

#: Distinct words and phrases kept per process (about 100 bytes each: the words themselves
#: are interned, shared by every transcript): the seed study's counts of three kinds of
#: speech. Counts that do not fit are read again from the database.
MAX_ENTRIES = 600_000


class CountCache:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Any, value: Any) -> None:
        """Keep ``value`` (anything with a ``size``: its distinct words and phrases)."""
        size = value.size + 1
        if size > self.max_entries:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= old.size + 1
            self._data[key] = value
            self._size += size
            while self._size > self.max_entries:
                _, dropped = self._data.popitem(last=False)
                self._size -= dropped.size + 1

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


#: The word counts of transcripts (one per process).
COUNTS = CountCache()
#: Their totals over the sets of transcripts asked for lately (the key names every
#: transcript's counts), ranked: the Words page's filters change only which are shown.
TOTALS = CountCache(max_entries=MAX_ENTRIES // 4)
