"""The coding page's markup equals, byte for byte, what the renderer gave before it was
sped up (tests/coding/runs_before.py, kept as the oracle): every view's inputs (one
margin block or several, tint of a code filter, review flags, initials, paths), dense
overlaps (stacked labels, "+N" chips, thick underlines), speaker labels, Chinese and
astral text and characters to escape; whole pages, lines rendered alone, cached or not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.segments import runs
from coding.segments.runs import SegmentLook, Span
from tests.coding import runs_before
from tests.coding.margin_drawn import draw, segs_from_looks, strip_data, unbounded
from tests.coding.test_render_cache import fresh_cache

pieces = st.sampled_from(
    [*"ab c.\n我角𠝹😀:&<>\"'", "P1: ", "訪問員：", "Q: ", "family support ", "\n\n", "家庭"]
)


@st.composite
def dense_case(draw):
    text = "".join(draw(st.lists(pieces, max_size=120)))
    n = len(text)
    spans = []
    for i in range(draw(st.integers(0, 40))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(0, n + 2))
        spans.append(Span(i + 1, min(a, b), max(a, b)))
    blocks = None
    if draw(st.booleans()):
        k = draw(st.integers(1, 4))
        blocks = {s.id: draw(st.integers(0, k - 1)) for s in spans}
    tint = {s.id for s in spans if draw(st.booleans())} if draw(st.booleans()) else set()
    shared = draw(st.booleans())  # one look per code, as the page makes them
    looks = {
        s.id: SegmentLook(
            color=["#FFFF00", "#0072B2", "#D55E00", "zzz"][(s.id % 2 if shared else s.id) % 4],
            label=f"C<{s.id % 2 if shared else s.id}> & co",
            description=f"C{s.id % 5}, by you",
            review=s.id % 4 == 0,
            who="A&B" if s.id % 2 else "",
            path=f"Top › C{s.id}" if s.id % 3 else "",
        )
        for s in spans
    }
    lo = draw(st.integers(0, n))
    hi = draw(st.integers(lo, n + 1))
    return text, spans, looks, blocks, tint, lo, hi


def _shape(rendered):
    return (
        [(ln.index, ln.number, ln.start, ln.end, ln.speaker, ln.lang) for ln in rendered.lines],
        rendered.spans,
        rendered.lane_count,
        rendered.blocks,
        rendered.block_count,
        rendered.block_lanes,
    )


@settings(max_examples=400, deadline=None)
@given(dense_case())
def test_the_page_and_its_lines_are_byte_for_byte_the_old_renderers(case):
    text, spans, looks, blocks, tint, lo, hi = case
    old, old_html = runs_before.transcript_html(text, spans, looks, tint=tint, blocks=blocks)
    # The server writes the margin as data (each turn's data-m) that the page's script
    # draws: drawn as the script does (tests/coding/margin_drawn.py), it is the old margin,
    # every stripe, label and chip of every line, byte for byte, but for the bound on each
    # button's top that keeps a stack inside its turn (``unbounded`` takes it off: the old
    # renderer had none; tests/browser/test_coding_margin.py shows what it mends).
    segs = segs_from_looks(spans, looks, blocks, len(text))
    lanes = runs.block_layout(blocks)[1]
    with fresh_cache():
        for _ in range(2):  # rendered, then from the cache
            new, html = runs.transcript_html(text, spans, looks, tint=tint, blocks=blocks)
            assert unbounded(strip_data(draw(str(html), segs, lanes))) == str(old_html)
            assert 'class="stripe' not in str(html)  # the script draws the margin
            assert _shape(new) == _shape(old)
            assert [ln.lanes for ln in new.lines] == [ln.lanes for ln in old.lines]
    got = runs.render_lines(text, spans, looks, lo=lo, hi=hi, tint=tint, blocks=blocks)
    want = runs_before.render_lines(text, spans, looks, lo=lo, hi=hi, tint=tint, blocks=blocks)
    assert [unbounded(strip_data(draw(html, segs, lanes))) for _, html in got] == [
        h for _, h in want
    ]


def test_a_line_of_more_spans_than_the_lane_scan_takes_renders_as_before():
    # 33 and more spans on one line take greedy_lanes' heap; fewer the page's own scan.
    text = "P1: " + "word " * 60 + "\nsecond line here"
    for count in (1, 2, 32, 33, 40):
        spans = [Span(i + 1, 4 + (i % 7) * 3, 4 + (i % 7) * 3 + 20 + i) for i in range(count)]
        looks = {
            s.id: SegmentLook(color="#0072B2", label=f"C{s.id}", description=f"C{s.id}, by you")
            for s in spans
        }
        old, old_html = runs_before.transcript_html(text, spans, looks)
        segs = segs_from_looks(spans, looks, None, len(text))
        with fresh_cache():
            new, html = runs.transcript_html(text, spans, looks)
        assert unbounded(strip_data(draw(str(html), segs, runs.MAX_LANES))) == str(old_html)
        assert [ln.lanes for ln in new.lines] == [ln.lanes for ln in old.lines]
        assert max(new.lines[0].lanes.values()) + 1 == new.lane_count
