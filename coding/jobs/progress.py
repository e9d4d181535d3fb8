"""Progress of a job's work: the callback a runner is given, and rows that report it.

Kept apart from :mod:`coding.jobs.services` so that the modules that write exports can
report progress without importing the job machinery (which imports them to run)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

Progress = Callable[[int, int], None]


def counted(rows: Iterable[Any], total: int, progress: Progress) -> Iterator[Any]:
    """``rows`` unchanged, reporting ``progress(n, total)`` as they are consumed."""
    n = 0
    progress(0, total)
    for row in rows:
        yield row
        n += 1
        if n % 500 == 0:
            progress(n, total)
    progress(n, max(total, n))
