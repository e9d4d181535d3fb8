"""Benchmark operations of coded retrieval (see workbench/bench.py)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from coding.models import Code
from workbench.bench import harness as bench


@bench.operation("retrieval")
def retrieval(ctx: bench.Context):
    """Retrieval of one code (the most used leaf) across the whole study, first page with
    context, all layers the PI may see."""
    code = (
        Code.objects.filter(study=ctx.study, children__isnull=True)
        .annotate(n=Count("segments"))
        .order_by("-n", "pk")
        .first()
    )
    url = reverse("coding:retrieval", args=[ctx.study.pk]) + f"?code={code.pk}"
    client = ctx.clients["pi"]
    return lambda: bench.check_response(client.get(url))
