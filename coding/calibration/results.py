"""The results of a calibration round: every coder's answers and the coefficients.

The results use the engine's units x coders core (:func:`coding.agreement.units_by_coders.
reliability_matrix_coefficients`): per code a binary matrix (1 applied, 0 submitted without
it, missing when the coder has not submitted the excerpt); overall a nominal matrix when the
round takes a single code per excerpt, else every (excerpt, code) decision pooled as one
binary matrix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from coding.agreement.units_by_coders import ReliabilityResult, reliability_matrix_coefficients
from coding.models import (
    CalibrationAnswer,
    CalibrationRound,
    CalibrationSubmission,
    CalibrationUnit,
    Code,
)

NONE_OF_THESE = "(none of these)"


@dataclass
class CodeResult:
    code: Code
    applied: list[int]  # per coder: excerpts the coder gave this code
    result: ReliabilityResult


@dataclass
class RoundResults:
    round: CalibrationRound
    coders: list
    units: list[CalibrationUnit]
    per_code: list[CodeResult]
    overall: ReliabilityResult | None
    overall_kind: str  # "nominal" or "pooled binary"
    submitted: list[int]  # per coder
    answers: dict[tuple[int, int], list[str]]  # (unit, coder) -> code names, or None-list
    # The reliability data per code id (a row per excerpt) and the overall one (per excerpt
    # its rows: one for a nominal round, one per code for a pooled binary round).
    matrices: dict[int, list[list]] = field(default_factory=dict)
    overall_clusters: list[list[list]] = field(default_factory=list)

    @property
    def n_coders(self) -> int:
        return len(self.coders)

    @property
    def grid(self):
        """Per excerpt, each coder's codes (None: not submitted)."""
        return [
            (unit, [self.answers.get((unit.pk, c.pk)) for c in self.coders]) for unit in self.units
        ]


def calibration_results(rnd: CalibrationRound, coders: set[int] | None = None) -> RoundResults:
    """Coefficients of a round (``coders``: only these users among the round's, e.g. the
    layers an agreement table compares). Queries: coders, codes, units, submissions,
    answers: 5."""
    qs = rnd.coders.order_by("username")
    if coders is not None:
        qs = qs.filter(pk__in=list(coders))
    coders = list(qs)
    codes = list(rnd.codes.order_by("name", "pk"))
    units = list(rnd.units.select_related("transcript").defer("transcript__text"))
    submitted = set(
        CalibrationSubmission.objects.filter(unit__round=rnd).values_list("unit_id", "coder_id")
    )
    applied: dict[tuple[int, int], set[int]] = defaultdict(set)
    for unit_id, coder_id, code_id in CalibrationAnswer.objects.filter(unit__round=rnd).values_list(
        "unit_id", "coder_id", "code_id"
    ):
        applied[(unit_id, coder_id)].add(code_id)
    names = {c.pk: c.name for c in codes}

    def value(unit, coder, code):
        if (unit.pk, coder.pk) not in submitted:
            return None
        return 1 if code.pk in applied[(unit.pk, coder.pk)] else 0

    per_code = []
    pooled_rows = []
    matrices = {}
    for code in codes:
        matrix = [[value(u, c, code) for c in coders] for u in units]
        matrices[code.pk] = matrix
        pooled_rows.extend(matrix)
        per_code.append(
            CodeResult(
                code=code,
                applied=[sum(1 for u in units if code.pk in applied[(u.pk, c.pk)]) for c in coders],
                result=reliability_matrix_coefficients(matrix, categories=[0, 1]),
            )
        )
    overall = None
    kind = "nominal" if rnd.single_code else "pooled binary"
    if codes and units and coders:
        if rnd.single_code:
            categories = [names[c.pk] for c in codes] + [NONE_OF_THESE]

            def nominal(unit, coder):
                if (unit.pk, coder.pk) not in submitted:
                    return None
                got = applied[(unit.pk, coder.pk)]
                return names[next(iter(got))] if got else NONE_OF_THESE

            matrix = [[nominal(u, c) for c in coders] for u in units]
            overall = reliability_matrix_coefficients(matrix, categories=categories)
            clusters = [[row] for row in matrix]
        else:
            overall = reliability_matrix_coefficients(pooled_rows, categories=[0, 1])
            clusters = [[matrices[code.pk][i] for code in codes] for i in range(len(units))]
    else:
        clusters = []
    answers = {}
    for unit in units:
        for coder in coders:
            if (unit.pk, coder.pk) in submitted:
                answers[(unit.pk, coder.pk)] = sorted(
                    names[c] for c in applied[(unit.pk, coder.pk)]
                ) or [NONE_OF_THESE]
    return RoundResults(
        round=rnd,
        coders=coders,
        units=units,
        per_code=per_code,
        overall=overall,
        overall_kind=kind,
        submitted=[sum(1 for u in units if (u.pk, c.pk) in submitted) for c in coders],
        answers=answers,
        matrices=matrices,
        overall_clusters=clusters,
    )
