"""Bench operation ``qdpx_export``: REFI-QDA export of the whole study (see workbench/bench.py)."""

from __future__ import annotations

from django.urls import reverse

from workbench.bench import harness as bench


@bench.operation("qdpx_export", n=3, warmup=1)
def qdpx_export(ctx: bench.Context):
    client = ctx.clients["pi"]
    url = reverse("coding:qdpx_export", args=[ctx.study.pk])
    return lambda: bench.check_response(client.get(url))
