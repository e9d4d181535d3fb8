"""Benchmark operations of the coding page (see workbench/bench.py)."""

from __future__ import annotations

import json
import random
import re
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Code, Layer, LayerKind, Segment
from studies.models import Transcript
from workbench.bench import dense
from workbench.bench import harness as bench


def _busiest_transcript(ctx: bench.Context) -> Transcript:
    from django.db.models import Count

    return (
        Transcript.objects.filter(study=ctx.study)
        .annotate(n=Count("segments"))
        .order_by("-n", "pk")
        .defer("text")
        .first()
    )


@bench.operation("coding_page")
def coding_page(ctx: bench.Context):
    """The coding page of one seed-scale transcript with its 3 coder layers shown."""
    transcript = _busiest_transcript(ctx)
    url = reverse("coding:transcript_code", args=[ctx.study.pk, transcript.pk]) + "?layer=all"
    client = ctx.clients["pi"]
    return lambda: bench.check_response(client.get(url))


def picker_post(transcript: Transcript, code: Code, start: int, end: int, partial: str = "1"):
    """The coding page's picker form as its script posts it (the code, the span, the
    version), in coder1's layer: ``view`` names the layer view the write comes from,
    ``layer`` the layer (without it the write is refused), ``partial`` asks for only what
    changed (``""``: the whole transcript, as before issue 12)."""
    return {
        "code_ids": [code.pk],
        "start": start,
        "end": end,
        "quote": transcript.text[start:end],
        "version": transcript.version,
        "view": "mine",
        "layer": "mine",
        "partial": partial,
    }


def _free_spans(transcript: Transcript, layer: Layer, code: Code, count: int):
    """``count`` spans of ``code`` not yet coded in ``layer`` (non-blank text)."""
    text = transcript.text
    taken = set(
        Segment.objects.filter(transcript=transcript, layer=layer, code=code).values_list(
            "start", "end"
        )
    )
    rng = random.Random(7)
    spans = []
    while len(spans) < count:
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randrange(10, 180)
        if (start, end) not in taken and text[start:end].strip():
            taken.add((start, end))
            spans.append((start, end))
    return spans


def _api_client(ctx: bench.Context) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(ctx.users["coder1"])
    return client


@bench.operation("segment_create", n=40)
def segment_create(ctx: bench.Context):
    """Create one segment through the JSON API (server checks bounds, quote, access)."""
    transcript = _busiest_transcript(ctx)
    transcript = Transcript.objects.get(pk=transcript.pk)
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    code = Code.objects.filter(study=ctx.study, archived=False, children__isnull=True).first()
    spans = iter(_free_spans(transcript, layer, code, 60))
    client = _api_client(ctx)
    url = f"/api/v1/transcripts/{transcript.pk}/segments"

    def run():
        start, end = next(spans)
        body = {"code_id": code.pk, "start": start, "end": end, "quote": transcript.text[start:end]}
        response = client.post(url, json.dumps(body), content_type="application/json")
        bench.check_response(response, 201)

    return run


@bench.operation("segment_delete", n=40)
def segment_delete(ctx: bench.Context):
    """Delete one segment of the requester's layer through the JSON API."""
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    ids = iter(
        Segment.objects.filter(layer=layer).order_by("-pk").values_list("pk", flat=True)[:60]
    )
    client = _api_client(ctx)

    def run():
        response = client.delete(f"/api/v1/segments/{next(ids)}")
        bench.check_response(response, 204)

    return run


@bench.operation("segment_create_page", n=20)
def segment_create_page(ctx: bench.Context):
    """Create one segment from the coding page (htmx), answered with the touched turns only."""
    transcript = Transcript.objects.get(pk=_busiest_transcript(ctx).pk)
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    code = Code.objects.filter(study=ctx.study, archived=False, children__isnull=True).first()
    spans = iter(_free_spans(transcript, layer, code, 40))
    client = ctx.clients["coder1"]
    url = reverse("coding:segment_create", args=[ctx.study.pk, transcript.pk])

    def run():
        start, end = next(spans)
        data = picker_post(transcript, code, start, end)
        response = bench.check_response(client.post(url, data, HTTP_HX_REQUEST="true"))
        if response.get("HX-Reswap") != "none":
            raise RuntimeError("the write fell back to the whole transcript")

    return run


@bench.operation("coding_page_browser", n=1, warmup=0)
def coding_page_browser(ctx: bench.Context):
    """Headless Chromium: from navigation start until the frame after load, with every
    highlight in the DOM, for 300 and 1,200 highlights on a 60,000-character transcript.
    Reported under ``coding_page_browser_300`` and ``coding_page_browser_1200``."""
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        ctx.extra.setdefault("skipped", []).append("coding_page_browser: chromium not on PATH")
        return None
    results = _browser_timings(ctx, path)
    return {f"coding_page_browser_{n}": stats for n, stats in results.items()}


def _browser_transcript(
    ctx: bench.Context, highlights: int, *, second_code: float = 0.0
) -> Transcript:
    """A 60,000-character transcript with ``highlights`` random overlapping spans over the
    3 coder layers, each coded once, or twice (another code, same span and layer) for a
    ``second_code`` share of them (Taguette's 1,200 highlights with 1–2 tags are ~1,833)."""
    source = Transcript.objects.filter(study=ctx.study).order_by("pk").first()
    transcript = dense.create_transcript(
        ctx.study,
        title=f"Browser bench {highlights}{' x2' if second_code else ''}",
        text=dense.repeated(source.text),
    )
    layers = list(Layer.objects.filter(study=ctx.study, kind=LayerKind.CODER).order_by("pk"))
    codes = list(Code.objects.filter(study=ctx.study, children__isnull=True)[:40])
    keys = dense.spread(
        random.Random(highlights),
        transcript.text,
        codes=codes,
        layers=layers,
        highlights=highlights,
        second_code=second_code,
    )
    dense.store(transcript, keys)
    return transcript


def _browser_timings(ctx: bench.Context, chromium: str) -> dict:
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    transcripts = {n: _browser_transcript(ctx, n) for n in (300, 1200)}
    override = {}
    conn = connections["default"]
    if conn.vendor == "sqlite" and conn.is_in_memory_db():
        override["default"] = conn
        conn.inc_thread_sharing()
    server = LiveServerThread(
        "127.0.0.1", StaticFilesHandler, connections_override=override, port=0
    )
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    client = Client()
    client.force_login(ctx.users["pi"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    results: dict[int, dict] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
            )
            page = context.new_page()
            for n, transcript in transcripts.items():
                url = f"{base}{reverse('coding:transcript_code', args=[ctx.study.pk, transcript.pk])}?layer=all"
                samples = []
                for i in range(6):
                    page.goto(url, wait_until="load")
                    # Timed at the frame after load; then counted (outside the time):
                    # the segments with a stripe, label or chip in the margin, and those
                    # whose text has a coded run (runs name no segment: the page's table
                    # says which cover each run).
                    drawn = page.evaluate(
                        """() => new Promise(resolve => requestAnimationFrame(() =>
                             requestAnimationFrame(() => {
                               const t = performance.now();
                               const root = document.getElementById('transcript');
                               const margin = new Set([...root.querySelectorAll('[data-seg]')]
                                 .flatMap(el => el.dataset.seg.split(' ').filter(Boolean)));
                               const text = new Set([...root.querySelectorAll('mark.r')]
                                 .flatMap(m => window.codingPage.segmentsAt(Number(m.dataset.start))));
                               resolve({t, margin: margin.size, text: text.size});
                             })))"""
                    )
                    if drawn["margin"] != n or drawn["text"] != n:
                        raise RuntimeError(
                            f"{drawn['margin']} (margin) and {drawn['text']} (text) "
                            f"of {n} highlights drawn"
                        )
                    if i:  # the first load warms caches
                        samples.append(round(drawn["t"], 1))
                samples.sort()
                results[n] = {
                    "p50_ms": samples[len(samples) // 2],
                    "p95_ms": samples[-1],
                    "n": len(samples),
                    "queries": None,
                }
            browser.close()
    finally:
        server.terminate()
        if override:
            conn.dec_thread_sharing()
    return results


def _seg_refs(html: str) -> int:
    """Segment ids named in the markup: each ``data-seg`` attribute's ids."""
    return sum(len(m.split()) for m in re.findall(r'data-seg="([^"]*)"', html))


@bench.operation("coding_page_dense", n=15, warmup=2)
def coding_page_dense(ctx: bench.Context):
    """The coding page ("All", 3 coder layers) of Taguette-like transcripts: 60,000
    characters, 300 and 1,200 highlights of 1–2 codes, against its floor (read the
    transcript row and the same segment columns the page reads, ``json.dumps`` them).
    Timed interleaved in one run; reported as ``coding_page_300``, ``coding_page_1200``
    (with the segments, queries, HTML bytes and segment ids named in the markup),
    ``coding_page_floor_ms`` (the floor at each density) and ``coding_page_x_floor_*``;
    ``coding_page_cold_*`` is the same page with the line cache emptied before each request
    (coding/segments/linecache.py: a transcript opened for the first time);
    ``coding_page_empty`` the page of a one-line transcript without highlights, timed in the
    same loop: what the page costs whatever it shows (sessions, access, layers, codebook,
    memos, template), with ``empty_x_floor_*``, that cost in floors of each density."""
    from coding.segments import linecache
    from coding.segments.page import SEGMENT_COLUMNS

    client = ctx.clients["pi"]
    # 1–2 codes a highlight: ~460 and ~1,833 segments.
    made = {n: _browser_transcript(ctx, n, second_code=0.53) for n in (300, 1200)}
    empty = dense.create_transcript(ctx.study, title="Empty bench", text="P01: a short turn.")
    try:
        urls = {
            n: reverse("coding:transcript_code", args=[ctx.study.pk, t.pk]) + "?layer=all"
            for n, t in made.items()
        }
        empty_url = reverse("coding:transcript_code", args=[ctx.study.pk, empty.pk]) + "?layer=all"

        def empty_page():
            return bench.check_response(client.get(empty_url)).content

        def page(n):
            return bench.check_response(client.get(urls[n])).content

        def cold(n):
            # The page with no line cached (a transcript opened for the first time).
            linecache.LINES.clear()
            return page(n)

        def floor(n):
            transcript = Transcript.objects.get(pk=made[n].pk)
            rows = list(
                Segment.objects.filter(transcript_id=transcript.pk).values_list(*SEGMENT_COLUMNS)
            )
            return json.dumps({"text": transcript.text, "segs": rows}, default=str)

        timings: dict[str, list[float]] = {}
        for i in range(2 + 15):
            for n in made:
                # Cold first: it leaves the cache holding this transcript's lines, as after
                # a first visit; the warm page follows (the other density's cold request
                # emptied the cache since).
                for key, fn in (
                    (f"coding_page_cold_{n}", cold),
                    (f"coding_page_{n}", page),
                    (f"coding_page_floor_{n}", floor),
                ):
                    start = time.perf_counter()
                    fn(n)
                    elapsed = (time.perf_counter() - start) * 1000
                    if i >= 2:
                        timings.setdefault(key, []).append(elapsed)
            start = time.perf_counter()
            empty_page()
            if i >= 2:
                timings.setdefault("coding_page_empty", []).append(
                    (time.perf_counter() - start) * 1000
                )
        results: dict[str, dict] = {}
        for key, values in timings.items():
            results[key] = {
                "p50_ms": round(statistics.median(values), 2),
                "p95_ms": round(bench.percentile(values, 0.95), 2),
                "n": len(values),
            }
        for n in made:
            html = page(n).decode()
            with CaptureQueriesContext(connection) as captured:
                page(n)
            segments = Segment.objects.filter(transcript=made[n]).count()
            stats = results[f"coding_page_{n}"]
            stats.update(
                queries=len(captured.captured_queries),
                segments=segments,
                html_bytes=len(html.encode()),
                seg_refs=_seg_refs(html),
                x_floor=round(
                    stats["p50_ms"] / max(results[f"coding_page_floor_{n}"]["p50_ms"], 0.01), 1
                ),
            )
            results[f"coding_page_x_floor_{n}"] = {"x_floor": stats["x_floor"]}
            cold_stats = results[f"coding_page_cold_{n}"]
            cold_stats["x_floor"] = round(
                cold_stats["p50_ms"] / max(results[f"coding_page_floor_{n}"]["p50_ms"], 0.01), 1
            )
            results[f"coding_page_cold_x_floor_{n}"] = {"x_floor": cold_stats["x_floor"]}
        results["coding_page_floor_ms"] = {
            f"p50_ms_{n}": results[f"coding_page_floor_{n}"]["p50_ms"] for n in made
        }
        results["coding_page_empty"].update(
            {
                f"empty_x_floor_{n}": round(
                    results["coding_page_empty"]["p50_ms"]
                    / max(results[f"coding_page_floor_{n}"]["p50_ms"], 0.01),
                    1,
                )
                for n in made
            }
        )
        return results
    finally:
        # The seed-scale operations pick the busiest transcript: leave them the seed's.
        for transcript in made.values():
            transcript.delete()
        empty.delete()
