"""Benchmark operations of the comparison pages (see workbench/bench.py)."""

from __future__ import annotations

from django.urls import reverse

from coding.codebook import selectors as codebook_selectors
from workbench.bench import harness as bench


@bench.operation("matrix")
def matrix(ctx: bench.Context):
    """The group x wave matrix of every code, participants measure, coders' union."""
    client = ctx.clients["pi"]
    url = (
        reverse("coding:compare_matrix", args=[ctx.study.pk]) + "?layer=union&measure=participants"
    )
    return lambda: bench.check_response(client.get(url))


@bench.operation("matrix_by_attribute")
def matrix_by_attribute(ctx: bench.Context):
    """The matrix cut by the participants' gender instead of the stakeholder group (same
    budget as ``matrix``), participants measure, coders' union."""
    client = ctx.clients["pi"]
    url = (
        reverse("coding:compare_matrix", args=[ctx.study.pk])
        + "?layer=union&measure=participants&by=attribute:gender"
    )
    return lambda: bench.check_response(client.get(url))


@bench.operation("trajectory")
def trajectory(ctx: bench.Context):
    """One theme's trajectories (with its whole subtree), coders' union."""
    book = codebook_selectors.codebook(ctx.study)
    code = book.roots[0].pk
    client = ctx.clients["pi"]
    url = (
        reverse("coding:compare_trajectory", args=[ctx.study.pk])
        + f"?layer=union&code={code}&subtree=1"
    )
    return lambda: bench.check_response(client.get(url))


@bench.operation("cooccurrence")
def cooccurrence(ctx: bench.Context):
    """The code x code co-occurrence matrix of the whole study, coders' union."""
    client = ctx.clients["pi"]
    url = reverse("coding:compare_cooccurrence", args=[ctx.study.pk]) + "?layer=union"
    return lambda: bench.check_response(client.get(url))
