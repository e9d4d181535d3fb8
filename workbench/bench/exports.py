"""Bench keys ``segments_csv_export`` and ``segments_csv_export_floor`` (workbench/bench/harness.py).

``segments_csv_export`` is the retrieval CSV of every segment the PI may see (the export
without filters), read to its end through the test client. Its floor reads the same rows
with ``values_list()`` and writes them with the csv module, nothing else, so the ratio says
what the export adds. Peak memory (tracemalloc) is measured in a separate run, so that its
bookkeeping does not slow the timed runs.
"""

from __future__ import annotations

import csv
import statistics
import time
import tracemalloc

from django.urls import reverse

from coding.models import Segment
from workbench.bench import harness as bench

_FLOOR_COLUMNS = (
    "code_id",
    "transcript_id",
    "layer_id",
    "start",
    "end",
    "quote",
    "memo",
    "pk",
    "created_at",
    "needs_review",
    "quote_at_coding",
)


class _Sink:
    def write(self, line: str) -> int:
        return len(line)


def _timed(fn, n: int) -> dict:
    fn()  # warm-up
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(bench.percentile(timings, 0.95), 2),
        "n": n,
        "peak_mb": round(peak / 1e6, 1),
    }


@bench.operation("segments_csv_export", n=3, warmup=1)
def segments_csv_export(ctx: bench.Context):
    client = ctx.clients["pi"]
    url = reverse("coding:retrieval_export", args=[ctx.study.pk, "csv"])
    study = ctx.study

    def export() -> int:
        response = bench.check_response(client.get(url))
        return sum(len(chunk) for chunk in response.streaming_content)

    def floor() -> int:
        writer = csv.writer(_Sink())
        writer.writerow(_FLOOR_COLUMNS)
        rows = Segment.objects.filter(transcript__study=study).values_list(*_FLOOR_COLUMNS)
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(row)
        return 0

    results = {
        "segments_csv_export": _timed(export, 3),
        "segments_csv_export_floor": _timed(floor, 3),
    }
    results["segments_csv_export"]["x_floor"] = round(
        results["segments_csv_export"]["p50_ms"]
        / max(results["segments_csv_export_floor"]["p50_ms"], 0.01),
        1,
    )
    results["segments_csv_export"]["rows"] = Segment.objects.filter(transcript__study=study).count()
    return results


@bench.operation("segments_export_job", n=1, warmup=0)
def segments_export_job(ctx: bench.Context):
    """The all-segments CSV and XLSX as background jobs, run in this process as the worker
    would (``job_run``): the time a person waits for the download link."""
    from coding.jobs import services as job_services
    from coding.jobs import storage as job_storage
    from coding.jobs import worker as job_worker
    from coding.models import JobKind
    from studies.access import study_access

    access = study_access(ctx.users["pi"], ctx.study.pk)
    results = {}
    for key, kind, fmt in (
        ("segments_csv_job", JobKind.RETRIEVAL_CSV, "csv"),
        ("segments_xlsx_job", JobKind.RETRIEVAL_XLSX, "xlsx"),
    ):
        job = job_services.job_start(
            access=access, kind=kind, filename=f"bench.{fmt}", params={"query": "", "fmt": fmt}
        )
        start = time.perf_counter()
        status = job_worker.job_run(job.pk)
        job.refresh_from_db()
        results[key] = {
            "p50_ms": round((time.perf_counter() - start) * 1000, 2),
            "n": 1,
            "status": status,
            "bytes": job.size,
        }
        job_storage.job_storage().delete(job.file)
    return results
