"""The run sweep: pure functions, no database."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from coding.segments import runs
from coding.segments.runs import MAX_LANES, SegmentLook, Span, assign_lanes, render_transcript
from tests.coding.margin_drawn import LABEL_STEP_PX, draw, segs_from_looks

TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: At first I did not know my role. 我唔知自己嘅角色。\n"
    "\n"
    "訪問員：之後呢？\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)


def all_runs(rendered):
    return [run for line in rendered.lines for run in line.runs]


def test_it_renders_plain_text_as_one_run_per_line():
    rendered = render_transcript(TEXT, [])
    assert [line.start for line in rendered.lines] == [
        0,
        TEXT.index("P01"),
        TEXT.index("訪問員"),
        TEXT.rindex("P01"),
    ]
    for line in rendered.lines:
        assert "".join(r.text for r in line.runs) == TEXT[line.start : line.end]
        assert "\n" not in "".join(r.text for r in line.runs)


def test_it_skips_empty_lines_but_keeps_numbering_contiguous():
    rendered = render_transcript(TEXT, [])
    assert [line.number for line in rendered.lines] == [1, 2, 3, 4]
    assert [line.index for line in rendered.lines] == [0, 1, 3, 4]


def test_it_marks_speaker_labels_as_their_own_runs():
    rendered = render_transcript(TEXT, [])
    first = rendered.lines[0]
    assert first.speaker == "Interviewer"
    assert first.runs[0].text == "Interviewer: " and first.runs[0].speaker
    assert not first.runs[1].speaker
    chinese = rendered.lines[2]
    assert chinese.speaker == "訪問員"
    assert chinese.runs[0].text == "訪問員："


def test_it_marks_mostly_chinese_lines_as_zh_hant():
    rendered = render_transcript(TEXT, [])
    assert [line.lang for line in rendered.lines] == [None, None, "zh-Hant", None]


def test_run_offsets_count_code_points_not_utf16_units():
    start = TEXT.index("𠝹")
    rendered = render_transcript(TEXT, [Span(1, start, start + 1)])
    (run,) = [r for r in all_runs(rendered) if r.segment_ids]
    assert run.text == "𠝹"
    assert (run.start, run.end) == (start, start + 1)
    following = next(r for r in all_runs(rendered) if r.start == start + 1)
    assert following.text.startswith(" and my")


def test_it_splits_at_every_boundary_of_overlapping_segments():
    a = TEXT.index("At first")
    spans = [Span(1, a, a + 20), Span(2, a + 10, a + 30)]
    rendered = render_transcript(TEXT, spans)
    coded = [(r.start - a, r.end - a, r.segment_ids) for r in all_runs(rendered) if r.segment_ids]
    assert coded == [(0, 10, (1,)), (10, 20, (1, 2)), (20, 30, (2,))]


def test_a_segment_across_lines_is_split_per_line_and_skips_the_newline():
    start = TEXT.index("feel?")
    end = TEXT.index("At first") + 2
    rendered = render_transcript(TEXT, [Span(7, start, end)])
    coded = [r for r in all_runs(rendered) if r.segment_ids]
    assert [r.text for r in coded] == ["feel?", "P01: ", "At"]
    assert [s.first for s in rendered.lines[0].stripes] == [True]
    assert [s.last for s in rendered.lines[1].stripes] == [True]
    assert rendered.lines[0].stripes[0].last is False


def test_segments_take_the_lowest_free_lane_by_start():
    spans = [Span(1, 0, 10), Span(2, 2, 5), Span(3, 5, 8), Span(4, 10, 12), Span(5, 3, 11)]
    lanes = assign_lanes(spans)
    assert lanes == {1: 0, 2: 1, 5: 2, 3: 1, 4: 0}


def test_a_lane_frees_when_its_segment_ends_half_open():
    assert assign_lanes([Span(1, 0, 5), Span(2, 5, 9)]) == {1: 0, 2: 0}


def test_runs_list_segments_in_lane_order():
    spans = [Span(9, 0, 30), Span(3, 5, 30), Span(4, 10, 30)]
    rendered = render_transcript(TEXT, spans)
    run = next(r for r in all_runs(rendered) if r.start == 10)
    assert run.segment_ids == (9, 3, 4)


def test_stripes_are_placed_by_character_fraction_of_the_line():
    line_start = TEXT.index("P01")
    line_end = TEXT.index("\n", line_start)
    size = line_end - line_start
    rendered = render_transcript(TEXT, [Span(1, line_start + size // 4, line_start + size // 2)])
    (stripe,) = rendered.lines[1].stripes
    assert abs(stripe.top - (size // 4) / size) < 1e-9
    assert abs(stripe.height - (size // 2 - size // 4) / size) < 1e-9


def test_lanes_beyond_the_maximum_go_to_the_overflow_chip():
    spans = [Span(i + 1, 0, 30 - i) for i in range(MAX_LANES + 2)]
    rendered = render_transcript(TEXT, spans)
    line = rendered.lines[0]
    assert len(line.stripes) == MAX_LANES
    assert {MAX_LANES + 1, MAX_LANES + 2} <= set(line.overflow)
    assert not {s.segment_id for s in line.stripes} & {MAX_LANES + 1, MAX_LANES + 2}


def test_it_clips_segments_to_the_text_and_ignores_empty_ones():
    rendered = render_transcript("abc", [Span(1, 1, 99), Span(2, 2, 2)])
    assert [(r.text, r.segment_ids) for r in all_runs(rendered)] == [("a", ()), ("bc", (1,))]
    assert rendered.spans == {1: (1, 3)}


def test_it_handles_empty_text():
    rendered = render_transcript("", [])
    assert rendered.lines == []


LOOK = SegmentLook(color="#FFFF00", label="Sh<a>me", description="Sh<a>me, by you")


def _drawn(text, spans, looks, html):
    """The page's markup with the margin the script draws (tests/coding/margin_drawn.py)."""
    return draw(str(html), segs_from_looks(spans, looks, None, len(text)), runs.MAX_LANES)


def test_html_escapes_text_and_labels_and_carries_code_point_offsets():
    text = "P01: <b>x</b> 𠝹 & more"
    start = text.index("𠝹")
    rendered, html = runs.transcript_html(text, [Span(1, start, start + 3)], {1: LOOK})
    html = _drawn(text, [Span(1, start, start + 3)], {1: LOOK}, html)
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert f'<mark class="r" data-start="{start}" data-end="{start + 3}" style="--u0:' in html
    # The run names no segment: the page's segment table says which cover it.
    assert "data-seg" not in html.split('<div class="turn-margin">')[0]
    assert "start of Sh&lt;a&gt;me" in html and "end of Sh&lt;a&gt;me" in html
    assert "<a>" not in html
    assert 'aria-label="Sh&lt;a&gt;me, by you, turn 1"' in html


def test_only_the_first_piece_of_a_segment_gets_a_label():
    text = "P01: one\nP02: two\nP03: three"
    _, html = runs.transcript_html(text, [Span(1, 2, len(text) - 2)], {1: LOOK})
    html = _drawn(text, [Span(1, 2, len(text) - 2)], {1: LOOK}, html)
    assert html.count('class="stripe-label"') == 1
    assert html.count('<span class="stripe') == 3
    assert html.count('class="stripe last"') == 1


def test_labels_are_pushed_apart_and_kept_inside_the_turn():
    placed, dropped = runs.place_labels([(1, 0.0), (2, 0.1), (3, 0.95)], est_lines=2)
    tops = [top for _, top in placed]
    assert dropped == []
    assert tops == sorted(tops)
    assert all(b - a >= 0.25 - 1e-9 for a, b in zip(tops, tops[1:], strict=False))
    assert tops[-1] <= 0.75 + 1e-9


def test_labels_beyond_the_capacity_of_a_turn_go_to_the_chip():
    placed, dropped = runs.place_labels([(i, 0.0) for i in range(5)], est_lines=1)
    assert [sid for sid, _ in placed] == [0, 1]
    assert dropped == [2, 3, 4]
    spans = [Span(i, 0, 5 + i) for i in range(1, 5)]
    rendered = render_transcript("P01: short line", spans)
    assert len(rendered.lines[0].labels) == 2
    # The labels kept are those of the lowest lanes (the longest segments here).
    assert [sid for sid, _ in rendered.lines[0].labels] == [4, 3]
    assert sorted(rendered.lines[0].overflow) == [1, 2]


def test_each_turn_carries_its_offsets_number_and_language():
    text = "P01: hello\n\n訪問員：你好嗎？"
    _, html = runs.transcript_html(text, [], {})
    assert '<div class="turn is-speaker" id="ln-0" data-start="0" data-end="10" data-n="1">' in html
    assert f'id="ln-2" data-start="{text.index("訪")}"' in html
    assert f'data-start="{text.index("訪")}"' in html
    assert '<p class="turn-text" lang="zh-Hant" translate="no">' in html


def test_html_uses_one_dark_underline_for_four_or_more_codes():
    spans = [Span(i, 0, 10) for i in range(1, 5)]
    _, html = runs.transcript_html("abcdefghijkl", spans, dict.fromkeys(range(1, 5), LOOK))
    assert 'class="r dense"' in html
    _, html = runs.transcript_html("abcdefghijkl", spans[:3], dict.fromkeys(range(1, 4), LOOK))
    assert "dense" not in html
    assert "--u0:" in html and "--u2:" in html


def test_stroke_colours_are_darkened_to_three_to_one_against_white():
    assert runs.contrast_with_white(runs.stroke_color("#FFFF00")) >= 3
    assert runs.stroke_color("#0072B2") == "#0072b2"
    assert runs.stroke_color("not a colour") == "#4d4d4d"


# --- oracle: per character, the runs must agree with a naive computation ---------------

alphabet = st.sampled_from(list("ab c.\n我角𠝹:") + ["P1: ", "Q: "])


@st.composite
def text_and_spans(draw):
    text = "".join(draw(st.lists(alphabet, max_size=60)))
    n = len(text)
    spans = []
    for i in range(draw(st.integers(0, 12))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(0, n + 2))
        spans.append(Span(i + 1, min(a, b), max(a, b)))
    return text, spans


@settings(max_examples=400, deadline=None)
@given(text_and_spans())
def test_runs_agree_with_a_per_character_oracle(data):
    text, spans = data
    rendered = render_transcript(text, spans)
    covered_by = {}
    for run in all_runs(rendered):
        assert run.start < run.end
        assert run.text == text[run.start : run.end]
        for offset in range(run.start, run.end):
            assert offset not in covered_by
            covered_by[offset] = set(run.segment_ids)
    for offset, char in enumerate(text):
        if char == "\n":
            assert offset not in covered_by
            continue
        expected = {s.id for s in spans if s.start <= offset < s.end}
        assert covered_by[offset] == expected
    # Lanes (assigned per line) never collide where (clipped) segments overlap on a line.
    for line in rendered.lines:
        on_line = [s for s in spans if max(s.start, line.start) < min(s.end, line.end)]
        assert set(line.lanes) == {s.id for s in on_line}
        for a in on_line:
            for b in on_line:
                if a.id < b.id and max(a.start, b.start) < min(a.end, b.end):
                    assert line.lanes[a.id] != line.lanes[b.id]


def test_blocks_give_each_layer_its_own_lanes_labels_and_chip():
    # Two layers code the same span; each gets lane 0 of its own block, and its own label
    # on a one-line turn (one column of labels per block).
    spans = [Span(1, 0, 10), Span(2, 0, 10), Span(3, 2, 8), Span(4, 2, 8), Span(5, 3, 6)]
    blocks = {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    rendered = render_transcript("P01: a short line here", spans, blocks=blocks)
    line = rendered.lines[0]
    assert rendered.block_count == 2 and rendered.block_lanes == MAX_LANES // 2
    by_id = {s.segment_id: s for s in line.stripes}
    assert (by_id[1].block, by_id[1].lane) == (0, 0)
    assert (by_id[2].block, by_id[2].lane) == (1, 0)
    assert (by_id[4].block, by_id[4].lane) == (1, 1)
    assert {sid for sid, _ in line.labels} >= {1, 2}
    # The margin as the page's script draws it from the turn's data (the tests' twin of it).
    looks = dict.fromkeys(range(1, 6), LOOK)
    text = "P01: a short line here"
    _, html = runs.transcript_html(text, spans, looks, blocks=blocks)
    drawn = draw(str(html), segs_from_looks(spans, looks, blocks, len(text)), rendered.block_lanes)
    assert drawn.count('class="stripe-label" data-seg="2" style="--c:') == 1  # the second block's
    assert re.search(r'data-seg="2" style="--c:[^"]*;--b:1;top:', drawn)
    room = re.search(r'class="turn-room" style="--room:(\d+)px"', drawn)
    assert room and int(room.group(1)) >= 2 * LABEL_STEP_PX  # the short turn grows to hold them
    # Underlines keep the lanes of all segments together.
    assert len({line.lanes[i] for i in (1, 2, 3, 4)}) == 4


# --- lines render alone exactly as in the whole page ------------------------------------

line_alphabet = st.sampled_from(list("ab c.\n\n我角𠝹😀:") + ["P1: ", "訪問員：", "Q: "])


@st.composite
def lines_case(draw):
    text = "".join(draw(st.lists(line_alphabet, max_size=80)))
    n = len(text)
    spans = []
    for i in range(draw(st.integers(0, 14))):
        a = draw(st.integers(0, n))
        b = draw(st.integers(0, n + 2))
        spans.append(Span(i + 1, min(a, b), max(a, b)))
    blocks = None
    if draw(st.booleans()):
        k = draw(st.integers(1, 3))
        blocks = {s.id: draw(st.integers(0, k - 1)) for s in spans}
    tint = {s.id for s in spans if draw(st.booleans())}
    lo = draw(st.integers(0, n))
    hi = draw(st.integers(lo, n + 1))
    return text, spans, blocks, tint, lo, hi


def _looks(spans):
    return {
        s.id: SegmentLook(
            color=["#FFFF00", "#0072B2", "#D55E00"][s.id % 3],
            label=f"C<{s.id}>",
            description=f"C<{s.id}>, by you",
            review=s.id % 4 == 0,
            who="AB" if s.id % 2 else "",
            path=f"Top / C<{s.id}>" if s.id % 3 else "",
        )
        for s in spans
    }


@settings(max_examples=300, deadline=None)
@given(lines_case())
def test_render_lines_gives_each_line_exactly_as_the_whole_page(case):
    text, spans, blocks, tint, lo, hi = case
    looks = _looks(spans)
    rendered, html = runs.transcript_html(text, spans, looks, tint=tint, blocks=blocks)
    pieces = html.split("\n") if html else []
    full = dict(zip((ln.index for ln in rendered.lines), pieces, strict=True))
    a, b = runs.lines_span(text, lo, hi)
    # Only the segments overlapping the lines drawn (what a write would query).
    near = [s for s in spans if s.start < b + 1 and s.end > a]
    got = runs.render_lines(text, near, looks, lo=lo, hi=hi, tint=tint, blocks=blocks)
    # The lines intersecting [lo, hi), or the one holding lo when the span is empty.
    expected = [
        ln.index
        for ln in rendered.lines
        if (ln.start < hi and ln.end > lo) or (hi <= lo and ln.start <= lo <= ln.end)
    ]
    assert [line.index for line, _ in got] == expected
    for line, line_html in got:
        assert line_html == full[line.index]
        assert f'id="ln-{line.index}"' in line_html
        # The line's offsets are those of its text, in code points.
        assert "\n" not in text[line.start : line.end]


def test_a_lines_html_ignores_segments_on_other_lines():
    # Codes that end on the first line take its low lanes; a segment running on into the
    # second line is drawn there as if they did not exist (lane 0, its own colour).
    text = "P01: one two three\nP02: four five six\nP03: seven"
    second = text.index("P02")
    crowd = [Span(i, 5, 9) for i in range(2, 6)]
    running = Span(1, 10, second + 9)
    looks = _looks([running, *crowd])
    _, html = runs.transcript_html(text, [running, *crowd], looks)
    [(line, alone)] = runs.render_lines(text, [running], looks, lo=second, hi=second + 1)
    assert line.index == 1 and html.split("\n")[1] == alone
    assert f'--u0:{runs.stroke_color(looks[1].color)}"' in alone


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 40)), max_size=45))
def test_lanes_of_a_line_are_those_of_assign_lanes(pairs):
    spans = [Span(i + 1, a, a + n) for i, (a, n) in enumerate(pairs)]
    ordered = sorted(spans, key=lambda s: (s.start, -s.end, s.id))
    assert runs.greedy_lanes(ordered) == assign_lanes(spans)
