"""The double-coding sampler: a stratified draw of transcripts, reproducible with a seed.

Pure functions over plain data (no Django). Input: the *cells* of the design, each a key
(e.g. ``(group_id, wave_id)``, sortable) mapped to the ids of its transcripts. The
algorithm, also in docs/assignments/SAMPLER.md:

1. Each cell's *quota* is its share of the sample: ``percent / 100 * n`` (or
   ``count * n / N`` for a number of transcripts), computed exactly (fractions).
2. Largest remainder (Hamilton): every cell gets the whole part of its quota; the
   transcripts left to reach the target (``round(sum of quotas)``, halves up) go one each to
   the cells with the largest fractional parts (ties: the cell that sorts first).
3. At least one: a cell with transcripts whose allocation is still 0 gets 1. This can
   make the sample larger than the target; :attr:`Plan.added_by_rule` says by how much.
4. The draw: one ``random.Random(seed)``; for each cell in key order, ``rng.sample`` of its
   transcript ids sorted ascending, as many as allocated. The same seed and the same
   transcripts give the same draw, whatever order they were passed in.

Every allocation is the floor or the ceiling of the cell's quota (or 1 by step 3), so it is
within one transcript of the cell's exact share.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Plan:
    """How many transcripts each cell gives: ``counts`` by cell key."""

    counts: dict
    quotas: dict  # cell key -> exact share (Fraction)
    target: int  # the size asked for, before the at-least-one rule
    added_by_rule: int  # cells raised from 0 to 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Draw:
    plan: Plan
    seed: int
    chosen: list[int]  # transcript ids, ascending


def _size(percent, count) -> tuple[Fraction | None, int | None]:
    if (percent is None) == (count is None):
        raise ValueError("Give a percentage or a number of transcripts (one of them).")
    if percent is not None:
        share = Fraction(str(percent))
        if not 0 < share <= 100:
            raise ValueError("The percentage must be more than 0 and at most 100.")
        return share, None
    if int(count) != count or count < 1:
        raise ValueError("The number of transcripts must be at least 1.")
    return None, int(count)


def allocate(
    cells: Mapping[Hashable, Sequence[int]], *, percent=None, count: int | None = None
) -> Plan:
    """Per-cell counts for a sample of ``percent`` % or ``count`` transcripts (steps 1-3).
    ValueError for a size that is not exactly one of the two, or out of range."""
    share, number = _size(percent, count)
    keys = sorted(cells)
    total = sum(len(cells[k]) for k in keys)
    if share is not None:
        quotas = {k: share * len(cells[k]) / 100 for k in keys}
    else:
        number = min(number, total)
        quotas = {k: Fraction(number * len(cells[k]), total or 1) for k in keys}
    target = math.floor(sum(quotas.values(), Fraction(0)) + Fraction(1, 2))
    counts = {k: math.floor(q) for k, q in quotas.items()}
    left = target - sum(counts.values())
    by_remainder = sorted(
        (k for k in keys if quotas[k] > counts[k]), key=lambda k: (-(quotas[k] - counts[k]), k)
    )
    for k in by_remainder[:left]:
        counts[k] += 1
    added = 0
    for k in keys:
        if cells[k] and counts[k] == 0:
            counts[k] = 1
            added += 1
    return Plan(counts=counts, quotas=quotas, target=target, added_by_rule=added)


def draw(
    cells: Mapping[Hashable, Sequence[int]], *, seed: int, percent=None, count: int | None = None
) -> Draw:
    """The stratified draw (step 4) of :func:`allocate`'s plan, reproducible with ``seed``."""
    plan = allocate(cells, percent=percent, count=count)
    rng = random.Random(seed)
    chosen: list[int] = []
    for key in sorted(cells):
        chosen += rng.sample(sorted(cells[key]), plan.counts[key])
    return Draw(plan=plan, seed=seed, chosen=sorted(chosen))
