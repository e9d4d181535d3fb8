"""A thread-safe least-recently-used cache bounded by the size of what it holds."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class SizedLRU:
    """Keeps values until their sizes (``size_of(key, value)``) add up to more than
    ``budget``, then drops the least recently used first; a value larger than the whole
    budget is not kept. Counts ``hits`` and ``misses``. Nothing is ever invalidated: keys
    name everything a value depends on, so a change is a new key and old ones age out."""

    def __init__(self, budget: int, size_of: Callable[[Any, Any], int]) -> None:
        self.budget = budget
        self._size_of = size_of
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
        size = self._size_of(key, value)
        if size > self.budget:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._size -= self._size_of(key, old)
            self._data[key] = value
            self._size += size
            while self._size > self.budget:
                old_key, dropped = self._data.popitem(last=False)
                self._size -= self._size_of(old_key, dropped)

    def add(self, key: Any, value: Any) -> None:
        """:meth:`put` for a key just missed: the same, without first looking for an old
        value (a line's key is a deep tuple, hashed again for every look-up)."""
        size = self._size_of(key, value)
        if size > self.budget:
            return
        with self._lock:
            data = self._data
            if data.setdefault(key, value) is not value:  # put by another thread since
                return
            self._size += size
            while self._size > self.budget:
                old_key, dropped = data.popitem(last=False)
                self._size -= self._size_of(old_key, dropped)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._size = 0
            self.hits = self.misses = 0

    @property
    def size(self) -> int:
        """The sizes of what is kept, added up (at most ``budget``)."""
        return self._size

    def __len__(self) -> int:
        return len(self._data)
