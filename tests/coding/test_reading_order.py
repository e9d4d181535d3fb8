"""The segments' reading order (start, longer first, id) as the page and the sweep sort them."""

from __future__ import annotations

import random

from coding.segments.layout import Span, clip_spans, sort_reading_order


def test_sort_reading_order_is_the_key_order():
    rng = random.Random(12)
    for _ in range(500):
        rows = [
            (rng.randrange(20), rng.randrange(6), rng.randrange(6), rng.random())
            for _ in range(rng.randrange(15))
        ]
        expected = sorted(rows, key=lambda r: (r[1], -r[2], r[0]))
        sort_reading_order(rows)
        assert rows == expected


def test_clip_spans_orders_by_start_then_longer_then_id():
    spans = [Span(3, 5, 9), Span(1, 5, 9), Span(2, 5, 12), Span(4, 0, 2), Span(5, 8, 20)]
    assert clip_spans(spans, 15) == [
        Span(4, 0, 2),
        Span(2, 5, 12),
        Span(1, 5, 9),
        Span(3, 5, 9),
        Span(5, 8, 15),
    ]
