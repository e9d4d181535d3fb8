"""The coding page's markup grows linearly with segments, not with overlap depth x runs."""

from __future__ import annotations

import random
import re

from coding.segments import runs
from coding.segments.runs import SegmentLook, Span

SEG_ATTR = re.compile(r'data-seg="([^"]*)"')


def _text(rng: random.Random) -> str:
    words = ["family", "work", "trust", "家庭", "𠝹", "support", "the", "and", "group"]
    lines = []
    for i in range(120):
        body = " ".join(rng.choice(words) for _ in range(rng.randrange(8, 30)))
        lines.append(f"P{i % 3}: {body}.")
    return "\n".join(lines)


def _spans(rng: random.Random, text: str, count: int) -> list[Span]:
    spans = []
    for i in range(count):
        start = rng.randrange(0, len(text) - 300)
        spans.append(Span(i + 1, start, start + rng.randrange(20, 300)))
    return spans


def _incidences(text: str, spans: list[Span]) -> int:
    """(segment, line) pairs: each segment counted once per non-empty line it overlaps,
    computed from the text, not from the renderer."""
    bounds, pos = [], 0
    for raw in text.split("\n"):
        if raw:
            bounds.append((pos, pos + len(raw)))
        pos += len(raw) + 1
    return sum(1 for s in spans for a, b in bounds if max(a, s.start) < min(b, s.end))


def _measure(text: str, spans: list[Span]) -> tuple[int, int]:
    looks = {
        s.id: SegmentLook("#0072B2", f"Code {s.id % 40}", f"Code {s.id % 40}, by you")
        for s in spans
    }
    blocks = {s.id: s.id % 3 for s in spans}
    _, html = runs.transcript_html(text, spans, looks, blocks=blocks)
    refs = sum(len(ids.split()) for ids in SEG_ATTR.findall(html))
    return refs, len(html.encode())


def test_segment_ids_in_the_markup_grow_with_segments_not_with_depth_times_runs():
    rng = random.Random(12)
    text = _text(rng)
    d = 150
    few, many = _spans(rng, text, d), _spans(rng, text, 4 * d)
    refs_few, bytes_few = _measure(text, few)
    refs_many, bytes_many = _measure(text, many)
    _, bytes_none = _measure(text, [])
    # At most one id per segment per line it touches (a stripe or a "+N" chip entry)
    # plus one per segment (its label): no run lists the segments covering it.
    assert refs_few <= _incidences(text, few) + d
    assert refs_many <= _incidences(text, many) + 4 * d
    # Four times the segments (and four times the depth): about four times the ids and
    # the bytes beyond the text's own markup, not sixteen.
    assert refs_many <= 4.5 * refs_few
    assert bytes_many - bytes_none <= 4.5 * (bytes_few - bytes_none)
    # Coded runs carry no ids at all.
    _, html = runs.transcript_html(
        text, many, {s.id: SegmentLook("#0072B2", "C", "C") for s in many}
    )
    assert all("data-seg" not in tag for tag in re.findall(r"<mark [^>]*>", html))
