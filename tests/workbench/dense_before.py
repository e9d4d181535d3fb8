"""The dense transcripts of the benchmarks as three builders made them before
workbench/bench/dense.py (commit 6c2e93d: ``_browser_transcript`` of coding_page.py,
``_dense_transcript`` of coding_writes.py, ``build_taguette_workload`` of retrieval.py), kept
only as a test oracle: the builders now made with dense.py must store the same texts and
segments, so that every bench key still times the same data.
"""

from __future__ import annotations

import itertools
import random

from django.db import connection
from django.db.models import Count

from coding.models import Code, Layer, LayerKind, Segment
from studies.models import Participant, Transcript

CHARS = 60_000
TAGUETTE_DOCS = 20
TAGUETTE_CHARS = 60_000
TAGUETTE_CODES = 40
TAGUETTE_SEED = 1


def _browser_transcript(ctx, highlights: int, *, second_code: float = 0.0) -> Transcript:
    """A 60,000-character transcript with ``highlights`` random overlapping spans over the
    3 coder layers, each coded once, or twice (another code, same span and layer) for a
    ``second_code`` share of them (Taguette's 1,200 highlights with 1–2 tags are ~1,833)."""
    source = Transcript.objects.filter(study=ctx.study).order_by("pk").first()
    text = (source.text * 2)[:60_000]
    transcript = Transcript.objects.create(
        study=ctx.study,
        title=f"Browser bench {highlights}{' x2' if second_code else ''}",
        text=text,
        length=len(text),
        checksum=Transcript.checksum_of(text),
    )
    layers = list(Layer.objects.filter(study=ctx.study, kind=LayerKind.CODER).order_by("pk"))
    codes = list(Code.objects.filter(study=ctx.study, children__isnull=True)[:40])
    rng = random.Random(highlights)
    rows, seen = [], set()
    made = 0
    for i in itertools.count():
        if made == highlights:
            break
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randrange(20, 400)
        layer = layers[i % len(layers)].pk
        key = (codes[i % len(codes)].pk, layer, start, end)
        if key in seen or not text[start:end].strip():
            continue
        made += 1
        keys = [key]
        if rng.random() < second_code:
            keys.append((codes[(i + 1 + rng.randrange(len(codes) - 1)) % len(codes)].pk, *key[1:]))
        for code_id, layer_id, a, b in keys:
            if (code_id, layer_id, a, b) in seen:
                continue
            seen.add((code_id, layer_id, a, b))
            rows.append(
                Segment(
                    transcript=transcript,
                    code_id=code_id,
                    layer_id=layer_id,
                    start=a,
                    end=b,
                    quote=text[a:b],
                )
            )
    Segment.objects.bulk_create(rows, batch_size=500)
    return transcript


def _dense_transcript(ctx, highlights: int) -> tuple[Transcript, Layer]:
    """60,000 characters of the seed text with ``highlights`` segments of 40 codes, all in
    coder1's layer (the layer the write is made in)."""
    source = Transcript.objects.filter(study=ctx.study).order_by("pk").first()
    text = (source.text * (CHARS // max(1, len(source.text)) + 1))[:CHARS]
    transcript = Transcript.objects.create(
        study=ctx.study,
        title=f"Write bench {highlights}",
        text=text,
        length=len(text),
        checksum=Transcript.checksum_of(text),
    )
    layer = Layer.objects.get(study=ctx.study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    codes = list(Code.objects.filter(study=ctx.study, archived=False, children__isnull=True)[:40])
    rng = random.Random(highlights)
    rows, seen = [], set()
    i = 0
    while len(rows) < highlights:
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randrange(20, 400)
        code = codes[i % len(codes)]
        i += 1
        if (code.pk, start, end) in seen or not text[start:end].strip():
            continue
        seen.add((code.pk, start, end))
        rows.append(
            Segment(
                transcript=transcript,
                code=code,
                layer=layer,
                start=start,
                end=end,
                quote=text[start:end],
            )
        )
    Segment.objects.bulk_create(rows, batch_size=500)
    return transcript, layer


def build_taguette_workload(ctx, *, highlights: int) -> Code:
    """Taguette's workload (see the module docstring) in the bench study; returns its most
    used code. Texts are the seed study's transcripts, cut to 60,000 code points (they mix
    English and Chinese)."""
    study = ctx.study
    rng = random.Random(TAGUETTE_SEED)
    layer = Layer.objects.get(study=study, kind=LayerKind.CODER, user=ctx.users["coder1"])
    groups = list(study.groups.order_by("position"))
    wave = study.waves.order_by("position").first()
    sources = list(Transcript.objects.filter(study=study).order_by("pk")[: TAGUETTE_DOCS + 1])
    codes = Code.objects.bulk_create(
        Code(study=study, name=f"taguette-{highlights}/tag {i:02d}") for i in range(TAGUETTE_CODES)
    )
    rows = []
    for d in range(TAGUETTE_DOCS):
        text = (sources[d].text + "\n" + sources[d + 1].text)[:TAGUETTE_CHARS]
        participant = Participant.objects.create(
            study=study, pseudonym=f"TG{highlights}-{d:02d}", group=groups[d % len(groups)]
        )
        transcript = Transcript.objects.create(
            study=study,
            participant=participant,
            wave=wave,
            title=f"Taguette {highlights} interview {d + 1:02d}",
            text=text,
            length=len(text),
            checksum=Transcript.checksum_of(text),
        )
        seen = set()
        for _ in range(highlights):
            start = rng.randrange(0, len(text) - 20)
            end = min(len(text), start + rng.randint(20, 400))
            for code in rng.sample(codes, 1 if rng.random() < 0.5 else 2):
                if (code.pk, start, end) in seen:
                    continue
                seen.add((code.pk, start, end))
                rows.append(
                    Segment(
                        transcript=transcript,
                        code=code,
                        layer=layer,
                        start=start,
                        end=end,
                        quote=text[start:end],
                        created_by=ctx.users["coder1"],
                    )
                )
    Segment.objects.bulk_create(rows, batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return (
        Code.objects.filter(pk__in=[c.pk for c in codes])
        .annotate(n=Count("segments"))
        .order_by("-n", "pk")
        .first()
    )
