from __future__ import annotations

import multiprocessing
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studies.offset_map import OffsetMap

LINE = "P01: I signed the agreement and the agreement was signed.\n"
# 2,000,000 characters, the largest text a transcript may have, of one repeated line.
REPETITIVE = (LINE * (2_000_000 // len(LINE)))[:-1]

# Generous: this shared machine is slow, and the quadratic diff took minutes on these.
SECONDS = 10


def _spans_in_child(old, new, spans, queue):
    mapping = OffsetMap(old, new)
    queue.put([mapping.span(start, end) for start, end in spans])


def map_within_limit(old: str, new: str, spans: list[tuple[int, int]]):
    """``OffsetMap(old, new).span`` of each span, computed in a child process that must
    finish within SECONDS (a hung diff fails the test instead of hanging the run)."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_spans_in_child, args=(old, new, spans, queue))
    child.start()
    try:
        result = queue.get(timeout=SECONDS)
    except Exception:
        result = None
    child.join(1)
    if child.is_alive():
        child.kill()
        child.join()
    if result is None:
        pytest.fail(f"Mapping {len(old):,} characters took more than {SECONDS} s.")
    return result


def test_a_one_character_edit_of_a_long_repetitive_transcript_maps_quickly():
    middle = len(REPETITIVE) // 2
    new = REPETITIVE[:middle] + "X" + REPETITIVE[middle + 1 :]
    before = (100, 120)
    around = (middle - 5, middle + 5)
    after = (middle + 1000, middle + 1050)
    (b_start, b_end, b_changed), around_span, after_span = map_within_limit(
        REPETITIVE, new, [before, around, after]
    )
    assert (b_start, b_end, b_changed) == (100, 120, False)
    assert around_span == (middle - 5, middle + 5, True)
    assert after_span == (middle + 1000, middle + 1050, False)


def test_edits_at_both_ends_of_a_repetitive_transcript_keep_the_middle_unflagged():
    new = "Interviewer: Welcome.\n" + REPETITIVE.replace("was signed.", "was signed at last.", 1)
    new = new[: -len("signed.")] + "signed, in the end."
    passage = (len(REPETITIVE) // 2, len(REPETITIVE) // 2 + 40)
    first = (0, len("P01: I signed the agreement and the agreement was signed."))
    (start, end, changed), (f_start, f_end, f_changed) = map_within_limit(
        REPETITIVE, new, [passage, first]
    )
    # Every line is the same, so which copy the passage lands on is a matter of taste; it
    # must land on the same words, nearby, and not be flagged.
    assert new[start:end] == REPETITIVE[passage[0] : passage[1]] and not changed
    assert abs(start - passage[0]) < 3 * len(LINE)
    assert f_changed == (new[f_start:f_end] != REPETITIVE[first[0] : first[1]])


def test_a_shuffled_repetitive_transcript_maps_within_bounds():
    # The worst case for a diff: few distinct lines, rearranged everywhere.
    rng = random.Random(9)
    lines = [f"P0{i}: Yes, I agree with that.\n" for i in range(4)]
    old_lines = [rng.choice(lines) for _ in range(60_000)]
    new_lines = old_lines[:]
    rng.shuffle(new_lines)
    old, new = "".join(old_lines), "".join(new_lines)
    spans = [(rng.randrange(0, len(old) - 50), 0) for _ in range(50)]
    spans = [(start, start + rng.randrange(1, 50)) for start, _ in spans]
    for (start, end), (n_start, n_end, changed) in zip(
        spans, map_within_limit(old, new, spans), strict=True
    ):
        assert 0 <= n_start <= n_end <= len(new)
        assert changed == (new[n_start:n_end] != old[start:end])


def test_a_long_repetitive_line_edited_in_many_places_maps_within_bounds():
    old = "ab" * 9_000  # under the old 20,000-character cap of the character diff
    chars = list(old)
    for i in range(0, len(chars), 97):
        chars[i] = "c"
    new = "".join(chars)
    spans = [(i, i + 40) for i in range(0, len(old) - 40, 1999)]
    for (start, end), (n_start, n_end, changed) in zip(
        spans, map_within_limit(old, new, spans), strict=True
    ):
        assert 0 <= n_start <= n_end <= len(new)
        assert changed == (new[n_start:n_end] != old[start:end])


REPEATED = st.sampled_from(["Interviewer: Yes.\n", "P01: Yes.\n", "ab\n", "\n"])
TAIL = st.sampled_from(["P02: cé.\n", "P02: 𠝹.\n", "P02: c\n"])


@settings(max_examples=150, deadline=None)
@given(
    before=st.lists(REPEATED, max_size=80),
    passage=st.text(st.sampled_from(list("QXZ𠮟")), min_size=1, max_size=10),
    after=st.lists(TAIL, max_size=80),
    cut_before=st.lists(st.integers(0, 79), max_size=5),
    cut_after=st.lists(st.integers(0, 79), max_size=5),
    insert_before=st.lists(st.tuples(st.integers(0, 80), REPEATED), max_size=5),
    insert_after=st.lists(st.tuples(st.integers(0, 80), TAIL), max_size=5),
)
def test_line_edits_around_a_passage_in_repetitive_text_move_it_exactly(
    before, passage, after, cut_before, cut_after, insert_before, insert_after
):
    def edit(lines, cuts, inserts):
        lines = [line for i, line in enumerate(lines) if i not in cuts]
        for position, line in inserts:
            lines.insert(min(position, len(lines)), line)
        return "".join(lines)

    old_before, old_after = "".join(before), "".join(after)
    new_before = edit(before, set(cut_before), insert_before)
    new_after = edit(after, set(cut_after), insert_after)
    old = old_before + passage + "\n" + old_after
    new = new_before + passage + "\n" + new_after
    start, end = len(old_before), len(old_before) + len(passage)
    # No line before the passage occurs after it, so no alignment can cross the passage.
    assert OffsetMap(old, new).span(start, end) == (
        len(new_before),
        len(new_before) + len(passage),
        False,
    )
