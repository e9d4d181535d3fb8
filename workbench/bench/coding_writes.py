"""Benchmark of a write through the coding page (issue 12): one highlight created from the
picker (htmx, as the page script posts it) on Taguette-like transcripts of 60,000
characters with 300 and 1,200 highlights in the coder's layer.

Each key is timed twice in the same run: as the page asks for it (``partial=1``: only the
touched turns, codebook rows and segment entries come back) and, under ``…_full``, as
before issue 12 (the whole transcript re-rendered), with the answer's size in ``bytes``.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from django.urls import reverse

from coding.models import Code, Layer, LayerKind
from studies.models import Transcript
from workbench.bench import dense
from workbench.bench import harness as bench
from workbench.bench.coding_page import _api_client, _busiest_transcript, _free_spans, picker_post


@contextmanager
def dense_transcript(
    ctx: bench.Context, highlights: int, chars: int = dense.CHARS
) -> Iterator[tuple[Transcript, Layer]]:
    """``chars`` (60,000) characters of the seed text with ``highlights`` segments of 40
    codes, all in coder1's layer (the layer the write is made in); deleted on leaving, also
    on error, so the next operation may build the same density (titles are unique)."""
    source = Transcript.objects.filter(study=ctx.study).order_by("pk").first()
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    codes = list(Code.objects.filter(study=ctx.study, archived=False, children__isnull=True)[:40])
    transcript = dense.create_transcript(
        ctx.study,
        # the default size keeps the title the bench always had (tests/workbench/dense_before.py)
        title=f"Write bench {highlights}" + (f" / {chars}" if chars != dense.CHARS else ""),
        text=dense.repeated(source.text, chars),
    )
    try:
        keys = dense.spread(
            random.Random(highlights),
            transcript.text,
            codes=codes,
            layers=[layer],
            highlights=highlights,
        )
        dense.store(transcript, keys)
        yield transcript, layer
    finally:
        transcript.delete()


def _timed_creates(ctx: bench.Context, transcript: Transcript, layer: Layer, key: str, n: int):
    code = Code.objects.filter(study=ctx.study, archived=False, children__isnull=True).last()
    spans = iter(_free_spans(transcript, layer, code, 4 * (n + 4)))
    client = ctx.clients["coder1"]
    url = reverse("coding:segment_create", args=[ctx.study.pk, transcript.pk])
    results = {}
    for suffix, partial in (("", "1"), ("_full", "")):
        sizes = []

        def run(partial=partial, sizes=sizes):
            start, end = next(spans)
            data = picker_post(transcript, code, start, end, partial)
            response = bench.check_response(client.post(url, data, HTTP_HX_REQUEST="true"))
            if partial and response.get("HX-Reswap") != "none":
                raise RuntimeError("the write fell back to the whole transcript")
            sizes.append(len(response.content))

        stats = bench.measure(run, n=n, warmup=2)
        stats["bytes"] = sorted(sizes)[len(sizes) // 2]
        results[f"{key}{suffix}"] = stats
    results[key].update(_against_api(ctx, transcript, code, spans, url, n))
    return results


def _against_api(ctx: bench.Context, transcript, code, spans, url: str, n: int) -> dict:
    """The partial page write and the JSON API's create, interleaved (one of each per
    round, so both see the same load): their medians and ``x_api`` = page / API."""
    client = ctx.clients["coder1"]
    api = _api_client(ctx)
    api_url = f"/api/v1/transcripts/{transcript.pk}/segments"
    page_ms, api_ms = [], []
    for _ in range(n):
        start, end = next(spans)
        data = picker_post(transcript, code, start, end)
        t0 = time.perf_counter()
        bench.check_response(client.post(url, data, HTTP_HX_REQUEST="true"))
        page_ms.append((time.perf_counter() - t0) * 1000)
        start, end = next(spans)
        body = {"code_id": code.pk, "start": start, "end": end, "quote": transcript.text[start:end]}
        t0 = time.perf_counter()
        response = api.post(api_url, json.dumps(body), content_type="application/json")
        bench.check_response(response, 201)
        api_ms.append((time.perf_counter() - t0) * 1000)
    page_p50, api_p50 = statistics.median(page_ms), statistics.median(api_ms)
    return {
        "interleaved_page_p50_ms": round(page_p50, 2),
        "api_create_p50_ms": round(api_p50, 2),
        "x_api": round(page_p50 / api_p50, 2),
    }


@bench.operation("segment_create_page_seed", n=20)
def segment_create_page_seed(ctx: bench.Context):
    """The seed-scale write of ``segment_create_page``, partial and full, with sizes."""
    transcript = Transcript.objects.get(pk=_busiest_transcript(ctx).pk)
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    return _timed_creates(ctx, transcript, layer, "segment_create_page_seed", 20)


@bench.operation("segment_create_page_300", n=20)
def segment_create_page_300(ctx: bench.Context):
    """One highlight from the picker, 60,000 characters, 300 highlights in the layer."""
    with dense_transcript(ctx, 300) as (transcript, layer):
        return _timed_creates(ctx, transcript, layer, "segment_create_page_300", 20)


@bench.operation("segment_create_page_1200", n=20)
def segment_create_page_1200(ctx: bench.Context):
    """One highlight from the picker, 60,000 characters, 1,200 highlights in the layer."""
    with dense_transcript(ctx, 1200) as (transcript, layer):
        return _timed_creates(ctx, transcript, layer, "segment_create_page_1200", 20)


@bench.operation("segment_create_page_size", n=30)
def segment_create_page_size(ctx: bench.Context):
    """The same write (one highlight from the picker, partial answer) on a transcript of
    60,000 characters with 1,200 highlights and on one ten times longer with the same
    density (600,000 characters, 12,000 highlights), interleaved: ``x_size`` = long / short
    (medians), about 1 when a write costs the same whatever the transcript's size."""
    n = 30
    client = ctx.clients["coder1"]
    with ExitStack() as stack:  # both transcripts go when the timing ends
        sides = []
        for chars, highlights in ((dense.CHARS, 1200), (10 * dense.CHARS, 12000)):
            transcript, layer = stack.enter_context(dense_transcript(ctx, highlights, chars))
            code = Code.objects.filter(
                study=ctx.study, archived=False, children__isnull=True
            ).last()
            spans = iter(_free_spans(transcript, layer, code, n + 8))
            url = reverse("coding:segment_create", args=[ctx.study.pk, transcript.pk])
            sides.append((transcript, code, spans, url, []))
        for i in range(n + 3):
            for transcript, code, spans, url, times in sides[:: 1 if i % 2 else -1]:
                start, end = next(spans)
                data = picker_post(transcript, code, start, end)
                t0 = time.perf_counter()
                response = bench.check_response(client.post(url, data, HTTP_HX_REQUEST="true"))
                elapsed = (time.perf_counter() - t0) * 1000
                if response.get("HX-Reswap") != "none":
                    raise RuntimeError("the write fell back to the whole transcript")
                if i >= 3:  # the first rounds warm the caches (the line index is built once)
                    times.append(elapsed)
    short, long = (statistics.median(side[4]) for side in sides)
    return {
        "segment_create_page_size": {
            "short_chars": dense.CHARS,
            "long_chars": 10 * dense.CHARS,
            "short_p50_ms": round(short, 2),
            "long_p50_ms": round(long, 2),
            "x_size": round(long / short, 3),
            "n": n,
        }
    }
