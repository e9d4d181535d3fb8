"""Benchmark operations of corpus search (see workbench/bench/harness.py)."""

from __future__ import annotations

from django.urls import reverse

from workbench.bench import harness as bench


def _search(ctx: bench.Context, **params):
    url = reverse("coding:search", args=[ctx.study.pk])
    client = ctx.clients["pi"]
    return lambda: bench.check_response(client.get(url, params))


@bench.operation("search")
def search(ctx: bench.Context):
    """The Search page for a common English word over the whole study (every hit found and
    counted by group and wave, the first page of keyword-in-context rows)."""
    return _search(ctx, q="family")


@bench.operation("search_han")
def search_han(ctx: bench.Context):
    """The same for two Han characters with Traditional/Simplified folding (too short for
    trigrams: every transcript is read)."""
    return _search(ctx, q="朋辈", variants="1")
