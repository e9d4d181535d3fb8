"""The coding page's line cache (coding/segments/linecache.py) gives exactly what an
uncached render gives, after any change to the text, a segment or what a segment looks
like; pure, no database."""

from __future__ import annotations

from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.segments import linecache, runs
from coding.segments.runs import SegmentLook, Span
from tests.coding.test_render import _looks, lines_case


@contextmanager
def fresh_cache(max_bytes=linecache.MAX_BYTES):
    saved = linecache.LINES
    linecache.LINES = linecache.LineCache(max_bytes)
    try:
        yield linecache.LINES
    finally:
        linecache.LINES = saved


def render(text, spans, looks, tint, blocks):
    rendered, html = runs.transcript_html(text, spans, looks, tint=tint, blocks=blocks)
    return (
        str(html),
        [(ln.index, ln.number, ln.start, ln.end) for ln in rendered.lines],
        rendered.lane_count,
        rendered.blocks,
        rendered.block_count,
        rendered.block_lanes,
    )


def uncached(text, spans, looks, tint, blocks):
    with fresh_cache():
        return render(text, spans, looks, tint, blocks)


EDITS = (
    "recolour",
    "rename",
    "review",
    "move",
    "remove",
    "add",
    "text",
    "tint",
    "block",
    "layer words",
)


@settings(max_examples=300, deadline=None)
@given(lines_case(), st.sampled_from(EDITS), st.data())
def test_a_warm_cache_renders_every_change_exactly_as_a_cold_render(case, edit, data):
    text, spans, blocks, tint, _, _ = case
    looks = _looks(spans)
    with fresh_cache() as cache:
        first = render(text, spans, looks, tint, blocks)
        assert first == uncached(text, spans, looks, tint, blocks)
        # The same page again comes from the cache whole (one hit: the transcript's entry);
        # after the change below it does not, and the lines the change left alone do.
        hits = cache.hits
        assert render(text, spans, looks, tint, blocks) == first
        assert cache.hits - hits == 1

        spans, looks, tint = list(spans), dict(looks), set(tint)
        blocks = dict(blocks) if blocks else blocks
        target = data.draw(st.sampled_from(spans)) if spans else None
        if edit == "recolour" and target:
            looks[target.id] = looks[target.id]._replace(color="#009E73")
        elif edit == "rename" and target:
            look = looks[target.id]
            looks[target.id] = look._replace(label="Renamed", path="Top › Renamed")
        elif edit == "review" and target:
            looks[target.id] = looks[target.id]._replace(review=not looks[target.id].review)
        elif edit == "layer words" and target:
            looks[target.id] = looks[target.id]._replace(description="C, by Ana (AN)", who="AN")
        elif edit == "move" and target:
            shift = data.draw(st.integers(-3, 3))
            spans[spans.index(target)] = Span(target.id, target.start + shift, target.end)
        elif edit == "remove" and target:
            spans.remove(target)
        elif edit == "add":
            a = data.draw(st.integers(0, len(text)))
            b = data.draw(st.integers(a, len(text) + 1))
            spans.append(Span(99, a, b))
            looks[99] = SegmentLook(color="#CC79A7", label="New", description="New, by you")
            if blocks is not None:
                blocks[99] = 0
        elif edit == "text" and text:
            i = data.draw(st.integers(0, len(text) - 1))
            text = (
                text[:i] + data.draw(st.sampled_from(["x", "&", "\n", "我", "𠝹"])) + text[i + 1 :]
            )
        elif edit == "tint" and target:
            tint ^= {target.id}
        elif edit == "block" and target and blocks:
            blocks[target.id] = (blocks[target.id] + 1) % 3
        hits = cache.hits
        changed = render(text, spans, looks, tint, blocks)
        assert changed == uncached(text, spans, looks, tint, blocks)
        # A line whose key did not change was not rendered again (a hit per such line),
        # unless the change left the whole page as it was (then one hit: the page's).
        same = sum(1 for line in changed[1] if line in first[1])
        assert cache.hits - hits <= max(same, 1)


def test_the_cache_keeps_to_its_byte_budget_dropping_the_least_recently_used():
    text = "\n".join(f"P{i}: line {i} of the transcript" for i in range(200))
    spans = [Span(i + 1, i * 30, i * 30 + 45) for i in range(100)]
    looks = _looks(spans)
    with fresh_cache(max_bytes=20_000) as cache:
        expected = uncached(text, spans, looks, set(), None)
        assert render(text, spans, looks, set(), None) == expected
        assert cache.size <= 20_000
        assert 0 < len(cache) < 200
        # The last lines rendered are kept; the first were dropped, and render again.
        assert render(text, spans, looks, set(), None) == expected
        assert cache.size <= 20_000
