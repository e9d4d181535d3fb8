"""Benchmark operations of coded retrieval (see workbench/bench/harness.py).

``retrieval`` times one code's first page on the seed study. ``retrieval_first_page_300``
builds Taguette's workload inside the bench study (20 transcripts of 60,000 characters, 40
leaf codes, 300 highlights per transcript of 1–2 codes each, random spans of 20–400
characters, fixed seed, in coder1's layer) and times the first page of its most used code
as the browser asks for it (``GET coding:retrieval?code=<id>``), interleaved with
``retrieval_floor_300``: the least that page needs (one query reading the page's segment
rows, their transcript/participant/group/wave/layer names and their context windows, and
``json.dumps`` of them). ``x_floor`` is the ratio of the two medians.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from django.db import connection
from django.db.models import Count
from django.urls import reverse

from coding.models import Code, Layer, LayerKind, Segment
from coding.retrieval import page as retrieval_page
from studies.models import Participant, Transcript
from workbench.bench import dense
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


def build_taguette_workload(ctx: bench.Context, *, highlights: int) -> Code:
    """Taguette's workload (see the module docstring) in the bench study; returns its most
    used code. Texts are the seed study's transcripts, cut to 60,000 code points (they mix
    English and Chinese)."""
    study = ctx.study
    rng = random.Random(dense.TAGUETTE_SEED)
    coder = ctx.users["coder1"]
    layer = Layer.objects.get(study=study, kind=LayerKind.CODER, user=coder)
    groups = list(study.groups.order_by("position"))
    wave = study.waves.order_by("position").first()
    sources = list(Transcript.objects.filter(study=study).order_by("pk")[: dense.TAGUETTE_DOCS + 1])
    codes = Code.objects.bulk_create(
        Code(study=study, name=f"taguette-{highlights}/tag {i:02d}")
        for i in range(dense.TAGUETTE_CODES)
    )
    for d in range(dense.TAGUETTE_DOCS):
        participant = Participant.objects.create(
            study=study, pseudonym=f"TG{highlights}-{d:02d}", group=groups[d % len(groups)]
        )
        transcript = dense.create_transcript(
            study,
            title=f"Taguette {highlights} interview {d + 1:02d}",
            text=(sources[d].text + "\n" + sources[d + 1].text)[: dense.CHARS],
            participant=participant,
            wave=wave,
        )
        keys = dense.taguette_spread(
            rng, transcript.text, codes=codes, layer=layer, highlights=highlights
        )
        dense.store(transcript, keys, created_by=coder)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return (
        Code.objects.filter(pk__in=[c.pk for c in codes])
        .annotate(n=Count("segments"))
        .order_by("-n", "pk")
        .first()
    )


def retrieval_floor(code_id: int, *, page_size: int, context: int) -> str:
    """The least the first page needs: its rows (quote, offsets, memo, names) and context
    windows in one query, in the page's order, serialised as JSON.

    The windows are cut as :func:`coding.retrieval.selectors.contexts` cuts them, from one
    copy of each of the page's transcripts (``MATERIALIZED`` on PostgreSQL: cutting the
    compressed column row by row decompresses the whole text for every row, several times
    slower than the page itself)."""
    from django.contrib.auth import get_user_model

    from studies.models import StakeholderGroup, Wave

    qn = connection.ops.quote_name
    vendor = connection.vendor
    greatest = "MAX" if vendor == "sqlite" else "GREATEST"
    materialized = "MATERIALIZED" if vendor == "postgresql" else ""
    seg, tr, code, layer = (m._meta.db_table for m in (Segment, Transcript, Code, Layer))
    user, part, group, wave = (
        m._meta.db_table for m in (get_user_model(), Participant, StakeholderGroup, Wave)
    )
    start, end, text = qn("start"), qn("end"), qn("text")
    order = (
        f"g.position, p.pseudonym, w.position, t.title, t.id, s.{start}, s.{end}, s.layer_id, s.id"
    )
    joins = f"""
        JOIN {tr} t ON t.id = s.transcript_id
        LEFT JOIN {part} p ON p.id = t.participant_id
        LEFT JOIN {group} g ON g.id = p.group_id
        LEFT JOIN {wave} w ON w.id = t.wave_id
    """
    sql = f"""
        WITH page AS (
            SELECT s.id AS id FROM {seg} s {joins} WHERE s.code_id = %s ORDER BY {order} LIMIT %s
        ), body AS {materialized} (
            SELECT b.id AS id, b.{text} || '' AS text FROM {tr} b
            WHERE b.id IN (SELECT s0.transcript_id FROM {seg} s0 WHERE s0.id IN (SELECT id FROM page))
        )
        SELECT s.id, s.{start}, s.{end}, s.quote, s.memo, t.title, t.length,
               p.pseudonym, g.name, w.name, c.name, l.name, u.username,
               SUBSTR(body.text, {greatest}(s.{start} - %s, 0) + 1,
                      s.{end} + %s - {greatest}(s.{start} - %s, 0))
        FROM page JOIN {seg} s ON s.id = page.id {joins}
        JOIN body ON body.id = s.transcript_id
        JOIN {code} c ON c.id = s.code_id
        JOIN {layer} l ON l.id = s.layer_id
        LEFT JOIN {user} u ON u.id = l.user_id
        ORDER BY {order}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [code_id, page_size, context, context, context])
        rows = cursor.fetchall()
    return json.dumps(rows, ensure_ascii=False)


def _interleaved(fns: dict, *, n: int, warmup: int) -> dict:
    """Time each callable ``n`` times, taking turns, after ``warmup`` rounds."""
    timings: dict[str, list[float]] = {key: [] for key in fns}
    for i in range(warmup + n):
        for key, fn in fns.items():
            start = time.perf_counter()
            fn()
            if i >= warmup:
                timings[key].append((time.perf_counter() - start) * 1000)
    return {
        key: {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(bench.percentile(values, 0.95), 2),
            "n": n,
        }
        for key, values in timings.items()
    }


@bench.operation("retrieval_first_page_300", n=30)
def retrieval_first_page_300(ctx: bench.Context):
    """Reported as ``retrieval_first_page_300`` and ``retrieval_floor_300`` (with
    ``x_floor``); see the module docstring."""
    from django.test.utils import CaptureQueriesContext

    code = build_taguette_workload(ctx, highlights=300)
    url = reverse("coding:retrieval", args=[ctx.study.pk]) + f"?code={code.pk}"
    client = ctx.clients["pi"]

    def first_page():
        return bench.check_response(client.get(url))

    def floor():
        return retrieval_floor(
            code.pk, page_size=retrieval_page.PAGE_SIZE, context=retrieval_page.CONTEXT_CHARS
        )

    results = _interleaved(
        {"retrieval_first_page_300": first_page, "retrieval_floor_300": floor}, n=30, warmup=3
    )
    for key, fn in (("retrieval_first_page_300", first_page), ("retrieval_floor_300", floor)):
        with CaptureQueriesContext(connection) as captured:
            fn()
        results[key]["queries"] = len(captured.captured_queries)
    page, base = results["retrieval_first_page_300"], results["retrieval_floor_300"]
    page["x_floor"] = round(page["p50_ms"] / max(base["p50_ms"], 0.01), 2)
    page["segments"] = code.n
    page["page_size"] = retrieval_page.PAGE_SIZE
    return results
