"""Bench operations for the agreement report (see workbench/bench.py).

``agreement_report_alpha_u`` times the expert report interleaved with the default one, run
for run, so that ``x_default`` (expert p50 / default p50, issue 12's goal: at most 1.5) holds
on a noisy machine; ``default_p50_ms`` is the default report's p50 from the same runs.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from workbench.bench import harness as bench

ROUNDS = 7


def _report(ctx: bench.Context, query: str):
    client = ctx.clients["pi"]
    url = reverse("coding:agreement_report", args=[ctx.study.pk]) + query
    return lambda: bench.check_response(client.get(url))


DEFAULT = "?layers=coder1&layers=coder2"
EXPERT = DEFAULT + "&expert=1"


@bench.operation("agreement_report", n=5, warmup=1)
def agreement_report(ctx: bench.Context):
    """Whole study, two coder layers, all codes, default metrics (pa, kappa, alpha)."""
    return _report(ctx, DEFAULT)


@bench.operation("agreement_report_alpha_u", n=ROUNDS, warmup=1)
def agreement_report_alpha_u(ctx: bench.Context):
    """The same with the expert measures (alpha_U, u-alpha, segment matching), interleaved
    with the default report: ``x_default`` is their ratio."""
    default, expert = _report(ctx, DEFAULT), _report(ctx, EXPERT)
    default()
    expert()
    times: dict[str, list[float]] = {"default": [], "expert": []}
    queries = 0
    for i in range(ROUNDS):
        for name, fn in (("default", default), ("expert", expert)):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - start) * 1000)
            if name == "expert" and i == ROUNDS - 1:
                queries = len(captured.captured_queries)
    p50 = {name: statistics.median(values) for name, values in times.items()}
    return {
        "agreement_report_alpha_u": {
            "p50_ms": round(p50["expert"], 2),
            "p95_ms": round(bench.percentile(times["expert"], 0.95), 2),
            "n": ROUNDS,
            "queries": queries,
            "default_p50_ms": round(p50["default"], 2),
            "x_default": round(p50["expert"] / max(p50["default"], 0.01), 2),
        }
    }
