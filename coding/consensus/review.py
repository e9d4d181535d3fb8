"""The disagreement units of one transcript and code, as the side-by-side review shows them.

A *unit* is a maximal region where at least one compared layer has the code; its state says
whether the layers agree there, differ in span or in code, or only one layer coded it, and
whether a consensus decision settled it. Queries: see :func:`review`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coding.codebook.selectors import CodeNode
from coding.consensus.passage import LETTERS
from coding.models import ConsensusDecision, Layer, LayerKind, Segment
from studies.models import Transcript


def united(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching intervals merged (character coverage)."""
    out: list[list[int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two sorted disjoint interval lists."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        s, e = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


@dataclass
class Unit:
    """A maximal region where at least one compared layer has the code.

    ``coverage[i]`` is layer i's coverage inside the region (merged intervals). The unit is
    *agreed* when every layer's coverage is identical (all cover the whole region).
    """

    index: int
    start: int
    end: int
    coverage: list[list[tuple[int, int]]]
    state: str = ""
    only: list[int] = field(default_factory=list)  # layer indexes that have coverage
    other_codes: dict[int, list[str]] = field(default_factory=dict)  # layer index -> codes
    decision: ConsensusDecision | None = None
    consensus: list[tuple[int, int]] = field(default_factory=list)

    @property
    def agreed(self) -> bool:
        return all(cov == [(self.start, self.end)] for cov in self.coverage)

    @property
    def settled(self) -> bool:
        return self.decision is not None

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def only_letters(self) -> str:
        return " and ".join(LETTERS[i] for i in self.only)

    @property
    def lettered(self) -> list[tuple[str, list[tuple[int, int]]]]:
        return [(LETTERS[i], cov) for i, cov in enumerate(self.coverage)]

    @property
    def other_lettered(self) -> list[tuple[str, list[str]]]:
        return [(LETTERS[i], names) for i, names in sorted(self.other_codes.items())]

    def result_spans(self, action: str) -> list[tuple[int, int]]:
        """What each decision puts into consensus for this unit."""
        if action == "accept_a":
            return list(self.coverage[0])
        if action == "accept_b":
            return list(self.coverage[1]) if len(self.coverage) > 1 else []
        if action in ("union", "agreed"):
            return [(self.start, self.end)]
        if action == "intersection":
            common = self.coverage[0]
            for cov in self.coverage[1:]:
                common = intersect(common, cov)
            return common
        return []


def units_for(coverages: Sequence[list[tuple[int, int]]]) -> list[Unit]:
    """Units from each layer's coverage of one code (pure; sorted, merged per layer)."""
    per_layer = [united(c) for c in coverages]
    regions = united(iv for cov in per_layer for iv in cov)
    units = []
    starts = [[s for s, _ in cov] for cov in per_layer]
    for index, (rs, re_) in enumerate(regions):
        cov_in = []
        for li, cov in enumerate(per_layer):
            lo = bisect.bisect_left(starts[li], rs)
            inside = []
            for s, e in cov[lo:]:
                if s >= re_:
                    break
                inside.append((s, e))
            cov_in.append(inside)
        units.append(Unit(index=index, start=rs, end=re_, coverage=cov_in))
    return units


def classify(
    units: list[Unit],
    other: Sequence[list[tuple[int, int, str]]],
    decisions: Sequence[ConsensusDecision],
) -> None:
    """Set each unit's state. ``other[i]`` lists layer i's segments of *other* codes
    (start, end, code name); ``decisions`` are the active decisions for this code."""
    ordered = sorted(decisions, key=lambda d: (d.start, d.end, d.pk))
    for unit in units:
        unit.only = [i for i, cov in enumerate(unit.coverage) if cov]
        for d in ordered:
            if d.start < unit.end and unit.start < d.end:
                unit.decision = d
        if unit.agreed:
            unit.state = "agreed"
        elif len(unit.only) == 1:
            unit.state = "only"
            for i, segs in enumerate(other):
                if i in unit.only:
                    continue
                names = sorted({n for s, e, n in segs if s < unit.end and unit.start < e})
                if names:
                    unit.other_codes[i] = names
            if unit.other_codes:
                unit.state = "code_differs"
        else:
            unit.state = "span_differs"


@dataclass
class Review:
    """The side-by-side disagreement view of one transcript and code."""

    transcript: Transcript
    code: CodeNode
    layers: list[Layer]
    consensus: Layer | None
    units: list[Unit]
    consensus_spans: list[tuple[int, int]]
    last_decision: ConsensusDecision | None

    @property
    def disagreements(self) -> list[Unit]:
        return [u for u in self.units if u.state != "agreed"]

    @property
    def n_settled(self) -> int:
        return sum(1 for u in self.units if u.settled)


def review(
    study,
    transcript: Transcript,
    code_node: CodeNode,
    layers: Sequence[Layer],
    *,
    with_decisions: bool = True,
) -> Review:
    """Units of one transcript and code for the compared ``layers``.

    Queries: segments of the transcript in the compared and consensus layers (values_list),
    the consensus layer, decisions for the code: 3.
    """
    keys = [la.pk for la in layers]
    consensus = Layer.objects.filter(study=study, kind=LayerKind.CONSENSUS).first()
    layer_ids = keys + ([consensus.pk] if consensus else [])
    own: list[list[tuple[int, int]]] = [[] for _ in layers]
    other: list[list[tuple[int, int, str]]] = [[] for _ in layers]
    consensus_spans = []
    for lid, cid, name, start, end in (
        Segment.objects.filter(transcript=transcript, layer_id__in=layer_ids)
        .order_by()
        .values_list("layer_id", "code_id", "code__name", "start", "end")
    ):
        if consensus and lid == consensus.pk:
            if cid == code_node.pk:
                consensus_spans.append((start, end))
            continue
        i = keys.index(lid)
        if cid == code_node.pk:
            own[i].append((start, end))
        else:
            other[i].append((start, end, name))
    units = units_for(own)
    decisions = []
    last = None
    if with_decisions:
        decisions = list(
            ConsensusDecision.objects.filter(
                transcript=transcript, code_id=code_node.pk, undone_at__isnull=True
            ).order_by("created_at", "pk")
        )
        last = decisions[-1] if decisions else None
    classify(units, other, decisions)
    cons = united(consensus_spans)
    for unit in units:
        unit.consensus = [
            (max(s, unit.start), min(e, unit.end))
            for s, e in cons
            if s < unit.end and unit.start < e
        ]
    return Review(transcript, code_node, list(layers), consensus, units, cons, last)
