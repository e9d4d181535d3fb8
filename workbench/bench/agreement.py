"""Bench operations for the agreement report (see workbench/bench.py).

``agreement_report_alpha_u`` times the expert report interleaved with the default one, run
for run, so that ``x_default`` (expert p50 / default p50, issue 12's goal: at most 1.5) holds
on a noisy machine; ``default_p50_ms`` is the default report's p50 from the same runs.
``agreement_report_bootstrap`` does the same for the bootstrap interval of alpha: the report
with ``bootstrap=1000`` (the page's default) against ``bootstrap=0``, run for run;
``added_ms`` is the difference of their p50s.
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
NO_BOOTSTRAP = DEFAULT + "&bootstrap=0"
BOOTSTRAP = DEFAULT + "&bootstrap=1000&seed=1"


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


@bench.operation("agreement_report_bootstrap", n=ROUNDS, warmup=1)
def agreement_report_bootstrap(ctx: bench.Context):
    """The default report with alpha's bootstrap interval (B = 1000), interleaved with the
    same report without it (bootstrap=0): ``added_ms`` is what the interval costs."""
    without, with_ci = _report(ctx, NO_BOOTSTRAP), _report(ctx, BOOTSTRAP)
    without()
    with_ci()
    times: dict[str, list[float]] = {"without": [], "with": []}
    queries = 0
    for i in range(ROUNDS):
        for name, fn in (("without", without), ("with", with_ci)):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - start) * 1000)
            if name == "with" and i == ROUNDS - 1:
                queries = len(captured.captured_queries)
    p50 = {name: statistics.median(values) for name, values in times.items()}
    return {
        "agreement_report_bootstrap": {
            "p50_ms": round(p50["with"], 2),
            "p95_ms": round(bench.percentile(times["with"], 0.95), 2),
            "n": ROUNDS,
            "queries": queries,
            "replicates": 1000,
            "no_bootstrap_p50_ms": round(p50["without"], 2),
            "added_ms": round(p50["with"] - p50["without"], 2),
        }
    }
