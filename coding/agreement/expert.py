"""The expert measures of the agreement report in one pass over the span data: alpha_U and
the 2019 u-alpha family (:mod:`coding.agreement.unitizing`) and, for two layers, segment
matching (:mod:`coding.agreement.segment_matching`).

Each document is bucketed and its units normalised once (:func:`~coding.agreement.spans._prepare`)
for all three, instead of once per measure; results are pooled only (no per-document results)
and segment matching only counts (no ``segments`` list). Every figure equals the one the
measure's own function returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from coding.agreement.segment_matching import (
    SegmentMatchingResult,
    _check,
    _segment_prepared,
)
from coding.agreement.spans import Code, Document, Key, _items, _prepare, _resolve
from coding.agreement.unitizing import (
    UAlphaResult,
    UnitizingResult,
    _u_alpha_prepared,
    _unitizing_prepared,
)


@dataclass(frozen=True)
class ExpertResult:
    """``segments`` is ``None`` unless exactly two layers are compared; its ``segments`` and
    ``per_document`` are empty (counts and coefficients only)."""

    unitizing: UnitizingResult
    u_alpha: UAlphaResult
    segments: SegmentMatchingResult | None


def expert_measures(
    documents: Mapping[Key, Document] | Sequence[Document],
    layers: Sequence[str] | None = None,
    codes: Sequence[Code] | None = None,
    *,
    min_overlap: float | Fraction | str = 0.9,
    overlap_measure: str = "iou",
    partition: bool | None = None,
    groups: Mapping[Code, Sequence[Code]] | None = None,
) -> ExpertResult:
    """``unitizing_alpha``, ``u_alpha_2019`` (both ``include_documents=False``) and, for two
    layers, ``segment_matching``'s counts, from one preparation of ``documents``.

    ``groups`` (with ``codes``): every code listed stands for the union of the spans of the
    codes given for it, as in documents where each of those spans is repeated under it (a
    parent code with its subtree, :func:`coding.agreement.report.rolled_up`), without
    building those documents.
    """
    if groups is not None and codes is None:
        raise ValueError("groups need the codes they are given for")
    items = _items(documents)
    layers, codes = _resolve(items, layers, codes)
    segments = None
    if len(layers) == 2:
        threshold = _check(min_overlap, overlap_measure)
        fraction = (threshold.numerator, threshold.denominator)
        prepared = _prepare(items, layers, codes, fraction, groups=groups)
        segments = _segment_prepared(prepared, layers, codes, threshold, overlap_measure, False)
    else:
        prepared = _prepare(items, layers, codes, groups=groups)
    return ExpertResult(
        unitizing=_unitizing_prepared(prepared, layers, codes, False),
        u_alpha=_u_alpha_prepared(prepared, layers, codes, partition, False),
        segments=segments,
    )
