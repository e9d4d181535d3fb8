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
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

#: The budget per process for the cached lines' HTML (their keys hold the line's text and
#: a few tuples more: about as much again).
MAX_BYTES = 32 << 20


class LineCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._data: OrderedDict[Any, tuple[Any, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> tuple[Any, str] | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Any, value: tuple[Any, str]) -> None:
        size = len(value[1]) + len(key[0])
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1]) + len(key[0])
            self._data[key] = value
            self._bytes += size
            while self._bytes > self.max_bytes:
                old_key, old_value = self._data.popitem(last=False)
                self._bytes -= len(old_value[1]) + len(old_key[0])

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)


#: The coding page's lines (one per process).
LINES = LineCache()
