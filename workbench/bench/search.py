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


@bench.operation("words")
def words(ctx: bench.Context):
    """The Words page as the PI opens it (every transcript, everyone's words, stop words
    left out, the top 50 words and phrases per group × wave), the counts of each transcript
    cached after the warm-up; the first request of a process segments every text."""
    url = reverse("coding:words", args=[ctx.study.pk])
    client = ctx.clients["pi"]
    return lambda: bench.check_response(client.get(url))
