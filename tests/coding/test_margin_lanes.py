"""A line's margin lanes in blocks ("All"): each block's lanes are greedy_lanes of its spans."""

from __future__ import annotations

import random

from coding.segments.layout import Span, clip_spans, greedy_lanes, margin_lanes


def _each_block(spans, blocks):
    by_block: dict[int, list[Span]] = {}
    for s in spans:
        by_block.setdefault(blocks.get(s.id, 0), []).append(s)
    out: dict[int, int] = {}
    for group in by_block.values():
        out.update(greedy_lanes(group))
    return out


def test_margin_lanes_are_each_blocks_greedy_lanes():
    rng = random.Random(5)
    for _ in range(3000):
        n = rng.randrange(1, 40)  # both sides of the one-scan path's 32 spans
        raw = [
            Span(i, a, a + rng.randrange(1, 40))
            for i, a in ((i, rng.randrange(60)) for i in range(n))
        ]
        spans = clip_spans(raw, 100)
        blocks = {s.id: rng.randrange(rng.randrange(1, 4)) for s in spans}
        lanes = greedy_lanes(spans)
        assert margin_lanes(spans, lanes, blocks) == _each_block(spans, blocks)


def test_spans_continuing_from_above_take_new_lanes_and_free_ones_are_reused():
    # Block 0: a and b are open when c starts after a ended, so c reuses a's lane 0.
    spans = [Span(1, 0, 10), Span(2, 2, 30), Span(3, 12, 20), Span(4, 5, 25)]
    spans = clip_spans(spans, 40)
    blocks = {1: 0, 2: 0, 3: 0, 4: 1}
    assert margin_lanes(spans, greedy_lanes(spans), blocks) == {1: 0, 2: 1, 4: 0, 3: 0}
