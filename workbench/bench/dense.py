"""Dense, Taguette-like transcripts for the benchmarks: 60,000 code points of the seed
study's text (English and Chinese) under hundreds of random, overlapping highlights, as in
Taguette's own benchmark. One builder for the coding page (``coding_page.py``), its writes
(``coding_writes.py``) and coded retrieval (``retrieval.py``); each caller fixes its seed,
so a bench key always times the same data.

A highlight is a key ``(code id, layer id, start, end)`` (offsets in code points);
:func:`spread` and :func:`taguette_spread` draw them, :func:`store` writes them as segments
of a transcript made by :func:`create_transcript`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from coding.models import Code, Layer, Segment
from studies.models import Transcript

CHARS = 60_000
# The retrieval workload (retrieval.py): Taguette's benchmark defaults.
TAGUETTE_DOCS = 20
TAGUETTE_CODES = 40
TAGUETTE_SEED = 1

Key = tuple[int, int, int, int]


def repeated(text: str, chars: int = CHARS) -> str:
    """``text`` repeated and cut to ``chars`` code points."""
    return (text * (chars // max(1, len(text)) + 1))[:chars]


def create_transcript(study, *, title: str, text: str, **fields) -> Transcript:
    """A transcript of ``text`` (its length and checksum set); ``fields``: participant, wave."""
    return Transcript.objects.create(
        study=study,
        title=title,
        text=text,
        length=len(text),
        checksum=Transcript.checksum_of(text),
        **fields,
    )


def spread(
    rng: random.Random,
    text: str,
    *,
    codes: Sequence[Code],
    layers: Sequence[Layer],
    highlights: int,
    second_code: float | None = None,
) -> list[Key]:
    """``highlights`` highlights of 20–399 code points starting anywhere but in the last
    400, the i-th draw in ``codes[i % len(codes)]`` and ``layers[i % len(layers)]``; a
    blank span or one drawn before is drawn again. With ``second_code``, that share of the
    highlights also carries another code (same span and layer: Taguette's 1–2 tags)."""
    keys: list[Key] = []
    seen: set[Key] = set()
    made = 0
    for i in itertools.count():
        if made == highlights:
            break
        start = rng.randrange(0, len(text) - 400)
        end = start + rng.randrange(20, 400)
        key = (codes[i % len(codes)].pk, layers[i % len(layers)].pk, start, end)
        if key in seen or not text[start:end].strip():
            continue
        made += 1
        seen.add(key)
        keys.append(key)
        if second_code is not None and rng.random() < second_code:
            other = codes[(i + 1 + rng.randrange(len(codes) - 1)) % len(codes)].pk
            if (other, *key[1:]) not in seen:
                seen.add((other, *key[1:]))
                keys.append((other, *key[1:]))
    return keys


def taguette_spread(
    rng: random.Random, text: str, *, codes: Sequence[Code], layer: Layer, highlights: int
) -> list[Key]:
    """``highlights`` highlights as Taguette's benchmark draws them: 20–400 code points
    starting anywhere but in the last 20 (cut at the end), each of one or two codes (even
    odds) sampled from ``codes``, in ``layer``; a (code, span) drawn before is left out."""
    keys: list[Key] = []
    seen: set[tuple[int, int, int]] = set()
    for _ in range(highlights):
        start = rng.randrange(0, len(text) - 20)
        end = min(len(text), start + rng.randint(20, 400))
        for code in rng.sample(codes, 1 if rng.random() < 0.5 else 2):
            if (code.pk, start, end) in seen:
                continue
            seen.add((code.pk, start, end))
            keys.append((code.pk, layer.pk, start, end))
    return keys


def store(transcript: Transcript, keys: Sequence[Key], *, created_by=None) -> list[Segment]:
    """The highlights ``keys`` as segments of ``transcript`` (quotes cut from its text)."""
    text = transcript.text
    return Segment.objects.bulk_create(
        (
            Segment(
                transcript=transcript,
                code_id=code_id,
                layer_id=layer_id,
                start=start,
                end=end,
                quote=text[start:end],
                created_by=created_by,
            )
            for code_id, layer_id, start, end in keys
        ),
        batch_size=1000,
    )
