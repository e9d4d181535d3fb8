"""Bench operations ``qdpx_export`` (REFI-QDA export of the whole study through its view,
the file read to the end) and ``qdpx_export_floor`` (the same rows read with ``values()``
and the texts zipped into the same kind of spooled file, no XML): the floor is what any
export must at least cost. Both report ``peak_mb`` (see workbench/bench.py)."""

from __future__ import annotations

import tempfile
import zipfile

from django.urls import reverse

from coding.exchange.views import SPOOL_MAX_BYTES
from coding.models import Memo, Segment
from studies.access import study_access, visible_layers
from studies.models import Transcript
from workbench.bench import harness as bench

CHUNK = 2000


@bench.operation("qdpx_export", n=3, warmup=1)
def qdpx_export(ctx: bench.Context):
    client = ctx.clients["pi"]
    url = reverse("coding:qdpx_export", args=[ctx.study.pk])

    def run():
        response = bench.check_response(client.get(url))
        if not response.streaming:  # the in-memory export before streaming
            return len(response.content)
        size = 0
        for chunk in response.streaming_content:  # read to the end, holding one chunk
            size += len(chunk)
        response.close()
        return size

    return bench.with_peak_memory(run)


def export_floor(access, out) -> None:
    """Read what the export reads (texts, segments, memos) and zip the texts: no XML."""
    study = access.study
    layer_ids = [layer.pk for layer in visible_layers(access)]
    list(Memo.objects.filter(study=study).values_list("pk", "body", "title"))
    for _row in (
        Segment.objects.filter(transcript__study=study, layer_id__in=layer_ids)
        .values_list("pk", "transcript_id", "code_id", "layer_id", "start", "end", "memo")
        .iterator(chunk_size=CHUNK)
    ):
        pass
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for pk, text in (
            Transcript.objects.filter(study=study)
            .values_list("pk", "text")
            .iterator(chunk_size=CHUNK)
        ):
            archive.writestr(f"sources/{pk}.txt", text.encode("utf-8"))


@bench.operation("qdpx_export_floor", n=3, warmup=1)
def qdpx_export_floor(ctx: bench.Context):
    access = study_access(ctx.users["pi"], ctx.study.pk)

    def run():
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES) as out:
            export_floor(access, out)

    return bench.with_peak_memory(run)
