"""Bench operations for the agreement report (see workbench/bench.py)."""

from __future__ import annotations

from django.urls import reverse

from workbench.bench import harness as bench


def _report(ctx: bench.Context, query: str):
    client = ctx.clients["pi"]
    url = reverse("coding:agreement_report", args=[ctx.study.pk]) + query
    return lambda: bench.check_response(client.get(url))


@bench.operation("agreement_report", n=5, warmup=1)
def agreement_report(ctx: bench.Context):
    """Whole study, two coder layers, all codes, default metrics (pa, kappa, alpha)."""
    return _report(ctx, "?layers=coder1&layers=coder2")


@bench.operation("agreement_report_alpha_u", n=5, warmup=1)
def agreement_report_alpha_u(ctx: bench.Context):
    """The same with the expert measures (alpha_U, u-alpha, segment matching)."""
    return _report(ctx, "?layers=coder1&layers=coder2&expert=1")
