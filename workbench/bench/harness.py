"""Benchmark harness: time operations through the Django test client.

Each operation is a function ``(ctx) -> Callable[[], object]`` registered with
:func:`operation`; the harness runs the returned callable ``n`` times after a warm-up and
records wall time and the number of SQL queries of the last run. A callable wrapped in
:func:`with_peak_memory` is run once more under ``tracemalloc`` for ``peak_mb``.

Peak memory is the tracemalloc peak of that one extra run: the most bytes the operation's
Python allocations held at once (the XML tree, row tuples, strings, bytes buffers), apart
from what was allocated before it. It leaves out C-level allocations that Python does not
see (SQLite's page cache, zlib's window, each a few MB at most), and it is not the process
RSS: the bench process's RSS high-water mark is set by building the workload and never
goes down, and an RSS delta undercounts an operation that reuses memory freed by an
earlier run. tracemalloc slows the run, so it is never one of the timed runs.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

OPERATIONS: dict[str, tuple[Callable, int, int]] = {}


def operation(name: str, *, n: int = 20, warmup: int = 2):
    """Register ``fn(ctx)`` under the bench key ``name``.

    ``fn`` returns the callable to time, ``None`` to skip, or a dict ``{key: stats}`` when it
    measured itself (the browser benchmark)."""

    def register(fn):
        OPERATIONS[name] = (fn, n, warmup)
        return fn

    return register


@dataclass
class Context:
    """What the workload builder made: the study, users, clients, and anything else."""

    scale: int
    study: object = None
    users: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def with_peak_memory(fn: Callable[[], object]) -> Callable[[], object]:
    """Mark ``fn`` so that :func:`measure` also reports its peak memory (``peak_mb``)."""
    fn.measure_memory = True
    return fn


def peak_memory_mb(fn: Callable[[], object]) -> float:
    """The tracemalloc peak of one run of ``fn``, in MB (10^6 bytes)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        baseline = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return round((peak - baseline) / 1e6, 1)


def measure(fn: Callable[[], object], *, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        fn()
    timings = []
    queries = 0
    for i in range(n):
        if i == n - 1:
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                fn()
                timings.append((time.perf_counter() - start) * 1000)
            queries = len(captured.captured_queries)
        else:
            start = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
    result = {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        "n": n,
        "queries": queries,
    }
    if getattr(fn, "measure_memory", False):
        result["peak_mb"] = peak_memory_mb(fn)
    return result


def check_response(response, status: int = 200):
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request['PATH_INFO']} answered {response.status_code}, expected {status}"
        )
    return response
