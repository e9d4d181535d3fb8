"""The double-coding sampler's draw (coding/assignments/sampler.py): properties checked
against the cells themselves, not against stored answers."""

from __future__ import annotations

import math

import pytest

from coding.assignments import sampler


def _cells(sizes: dict[tuple[int, int], int]) -> dict[tuple[int, int], list[int]]:
    """Cells of consecutive transcript ids, in an order unrelated to the ids."""
    cells, next_id = {}, 1000
    for key in sorted(sizes, reverse=True):
        cells[key] = list(range(next_id + sizes[key] - 1, next_id - 1, -1))
        next_id += sizes[key] + 7
    return cells


# The reference study's shape: 3 groups x 3 waves with attrition (77 transcripts).
REFERENCE = {
    (1, 1): 5, (1, 2): 5, (1, 3): 4,
    (2, 1): 15, (2, 2): 13, (2, 3): 11,
    (3, 1): 14, (3, 2): 6, (3, 3): 4,
}  # fmt: skip


@pytest.mark.parametrize("percent", [1, 10, 20, 33.3, 50, 100])
def test_every_cell_gets_at_least_one_and_stays_within_one_of_its_share(percent):
    cells = _cells(REFERENCE)
    plan = sampler.allocate(cells, percent=percent)
    for key, ids in cells.items():
        target = len(ids) * percent / 100
        assert plan.counts[key] >= 1
        assert abs(plan.counts[key] - target) <= 1, (key, plan.counts[key], target)
        assert plan.counts[key] <= len(ids)


@pytest.mark.parametrize("count", [9, 12, 20, 40, 77])
def test_a_number_is_shared_by_largest_remainder(count):
    cells = _cells(REFERENCE)
    total = sum(REFERENCE.values())
    plan = sampler.allocate(cells, count=count)
    # The at-least-one rule may add a transcript to a cell whose share rounded to none.
    assert sum(plan.counts.values()) == count + plan.added_by_rule
    for key, ids in cells.items():
        quota = count * len(ids) / total
        assert math.floor(quota) <= plan.counts[key] <= math.ceil(quota)


def test_the_at_least_one_rule_is_reported_when_it_adds_transcripts():
    cells = _cells(REFERENCE)
    plan = sampler.allocate(cells, percent=1)  # 0.77 transcripts: every cell needs its one
    assert plan.target == 1
    assert sum(plan.counts.values()) == len(REFERENCE)
    assert plan.added_by_rule == len(REFERENCE) - 1


def test_empty_cells_get_nothing():
    cells = _cells(REFERENCE)
    cells[(4, 1)] = []
    plan = sampler.allocate(cells, percent=20)
    assert plan.counts[(4, 1)] == 0


def test_the_same_seed_draws_the_same_transcripts_whatever_the_order_given():
    cells = _cells(REFERENCE)
    shuffled = {key: list(reversed(ids)) for key, ids in reversed(list(cells.items()))}
    first = sampler.draw(cells, percent=20, seed=7)
    again = sampler.draw(shuffled, percent=20, seed=7)
    assert first.chosen == again.chosen
    assert first.chosen == sorted(first.chosen)


def test_the_draw_takes_each_cell_count_from_that_cell():
    cells = _cells(REFERENCE)
    result = sampler.draw(cells, percent=20, seed=11)
    for key, ids in cells.items():
        assert len(set(result.chosen) & set(ids)) == result.plan.counts[key]
    assert len(result.chosen) == len(set(result.chosen))


def test_a_different_seed_draws_differently_on_a_large_study():
    cells = _cells({(g, w): 40 for g in range(1, 4) for w in range(1, 4)})
    draws = {tuple(sampler.draw(cells, percent=20, seed=seed).chosen) for seed in range(5)}
    assert len(draws) == 5


def test_it_matches_an_independent_reading_of_the_documented_algorithm():
    """docs/assignments/SAMPLER.md: cells in key order, ids sorted, one random.Random(seed)
    that samples each cell in turn."""
    import random

    cells = _cells(REFERENCE)
    result = sampler.draw(cells, percent=20, seed=42)
    rng = random.Random(42)
    expected = []
    for key in sorted(cells):
        expected += rng.sample(sorted(cells[key]), result.plan.counts[key])
    assert result.chosen == sorted(expected)


@pytest.mark.parametrize(
    "kwargs", [{}, {"percent": 0}, {"percent": 101}, {"count": 0}, {"percent": 5, "count": 3}]
)
def test_it_refuses_a_size_that_is_not_one_percent_or_one_count(kwargs):
    with pytest.raises(ValueError):
        sampler.allocate(_cells(REFERENCE), **kwargs)


def test_a_count_larger_than_the_study_takes_everything():
    cells = _cells({(1, 1): 2, (1, 2): 3})
    assert sampler.draw(cells, count=50, seed=1).chosen == sorted(sum(cells.values(), []))
