"""MAXQDA-style segment matching of two layers (DEFINITIONS section 3.8): a segment agrees
when a same-code segment of the other layer overlaps it enough; kappa_bp over the codes used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from tests.coding.agreement_oracle.coefficient import Coefficient, _undefined, _value
from tests.coding.agreement_oracle.spans import (
    Code,
    Document,
    Key,
    _bucket,
    _items,
    _present,
    _resolve,
    _units,
)

OVERLAP_MEASURES = ("iou",)


@dataclass(frozen=True)
class SegmentRecord:
    """One segment (unit) of one layer, as matched against the other layer.

    ``overlap`` is the best overlap with a same-code segment of the other layer and
    ``closest`` that segment, whether or not it reaches the threshold; ``matched_with`` is
    ``closest`` when it does, else ``None``.
    """

    document: Key
    layer: str
    code: Code
    start: int
    end: int
    matched_with: tuple[int, int] | None
    overlap: float
    closest: tuple[int, int] | None

    @property
    def matched(self) -> bool:
        return self.matched_with is not None


@dataclass(frozen=True)
class SegmentCodeCounts:
    code: Code
    n_agree: int
    n_disagree: int
    agreement: Coefficient
    agree_by_layer: Mapping[str, int]
    disagree_by_layer: Mapping[str, int]


@dataclass(frozen=True)
class SegmentMatchingResult:
    layers: tuple[str, ...]
    codes: tuple[Code, ...]
    min_overlap: float
    overlap_measure: str
    segments: tuple[SegmentRecord, ...]
    per_code: Mapping[Code, SegmentCodeCounts]
    n_agree: int
    n_disagree: int
    n_codes_used: int
    segment_agreement: Coefficient
    kappa_bp: Coefficient
    per_document: Mapping[Key, SegmentMatchingResult] = field(default_factory=dict)

    @property
    def disagreements(self) -> tuple[SegmentRecord, ...]:
        return tuple(s for s in self.segments if not s.matched)


# --------------------------------------------------------------------------------------------
# MAXQDA-style segment matching (section 3.8)


def _threshold(min_overlap: float | Fraction | str) -> Fraction:
    # repr() keeps the decimal the caller wrote: Fraction(0.9) is slightly above 9/10.
    value = Fraction(repr(min_overlap)) if isinstance(min_overlap, float) else Fraction(min_overlap)
    if not 0 <= value <= 1:
        raise ValueError(f"min_overlap must be between 0 and 1, got {min_overlap!r}")
    return value


def _best_matches(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> tuple[list[tuple[Fraction, int]], list[tuple[Fraction, int]]]:
    """Best intersection-over-union partner for every segment of a and of b (-1: none)."""
    best_a = [(Fraction(0), -1)] * len(a)
    best_b = [(Fraction(0), -1)] * len(b)
    i = j = 0
    while i < len(a) and j < len(b):
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        inter = min(a_end, b_end) - max(a_start, b_start)
        if inter > 0:
            iou = Fraction(inter, (a_end - a_start) + (b_end - b_start) - inter)
            if iou > best_a[i][0]:
                best_a[i] = (iou, j)
            if iou > best_b[j][0]:
                best_b[j] = (iou, i)
        if a_end < b_end:
            i += 1
        elif b_end < a_end:
            j += 1
        else:
            i += 1
            j += 1
    return best_a, best_b


def segment_matching(
    documents: Mapping[Key, Document] | Sequence[Document],
    layers: Sequence[str],
    codes: Sequence[Code] | None = None,
    *,
    min_overlap: float | Fraction | str = 0.9,
    overlap_measure: str = "iou",
) -> SegmentMatchingResult:
    """MAXQDA-style segment agreement of two layers.

    Every segment of each layer is checked against all same-code segments of the other
    layer; it agrees when one overlaps it by at least ``min_overlap`` (inclusive; a match
    also needs a non-empty intersection). ``overlap_measure="iou"``: intersection / union.
    kappa_bp = (P_obs - 1/k) / (1 - 1/k), k = codes with at least one segment. Documents on
    which one of the two layers did not work are left out.
    """
    if overlap_measure not in OVERLAP_MEASURES:
        raise ValueError(
            f"unknown overlap_measure {overlap_measure!r}; supported: {OVERLAP_MEASURES}"
        )
    threshold = _threshold(min_overlap)
    items = _items(documents)
    layers, codes = _resolve(items, layers, codes)
    if len(layers) != 2:
        raise ValueError(f"segment matching compares exactly two layers, got {layers!r}")
    per_document: dict[Key, SegmentMatchingResult] = {}
    all_records: list[SegmentRecord] = []
    for key, doc in items:
        records: list[SegmentRecord] = []
        if len(_present(doc, layers)) == 2:
            buckets = _bucket(doc, layers, codes)
            for code in codes:
                raw = buckets.get(code)
                if raw is None:
                    continue
                a, b = _units(raw[0]), _units(raw[1])
                best_a, best_b = _best_matches(a, b)
                for layer, own, other, best in (
                    (layers[0], a, b, best_a),
                    (layers[1], b, a, best_b),
                ):
                    for (start, end), (iou, partner) in zip(own, best, strict=True):
                        closest = other[partner] if partner >= 0 else None
                        matched = closest if partner >= 0 and iou >= threshold else None
                        records.append(
                            SegmentRecord(
                                key, layer, code, start, end, matched, float(iou), closest
                            )
                        )
            rank = {code: i for i, code in enumerate(codes)}
            records.sort(key=lambda r: (r.start, r.end, rank[r.code], layers.index(r.layer)))
        per_document[key] = _segment_result(layers, codes, threshold, overlap_measure, records)
        all_records.extend(records)
    return _segment_result(layers, codes, threshold, overlap_measure, all_records, per_document)


def _segment_result(
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    threshold: Fraction,
    measure: str,
    records: list[SegmentRecord],
    per_document: Mapping[Key, SegmentMatchingResult] | None = None,
) -> SegmentMatchingResult:
    agree = {code: dict.fromkeys(layers, 0) for code in codes}
    disagree = {code: dict.fromkeys(layers, 0) for code in codes}
    for record in records:
        target = agree if record.matched else disagree
        target[record.code][record.layer] += 1
    per_code = {}
    for code in codes:
        n_agree = sum(agree[code].values())
        n_disagree = sum(disagree[code].values())
        if n_agree + n_disagree:
            share = _value(Fraction(n_agree, n_agree + n_disagree))
        else:
            share = _undefined("no segments of this code")
        per_code[code] = SegmentCodeCounts(
            code, n_agree, n_disagree, share, agree[code], disagree[code]
        )
    n_agree = sum(c.n_agree for c in per_code.values())
    n_disagree = sum(c.n_disagree for c in per_code.values())
    k = sum(1 for c in per_code.values() if c.n_agree + c.n_disagree)
    if n_agree + n_disagree == 0:
        total = kappa = _undefined("no segments")
    else:
        p_obs = Fraction(n_agree, n_agree + n_disagree)
        total = _value(p_obs)
        if k < 2:
            kappa = _undefined("only one code has segments: chance agreement 1/k = 1")
        else:
            chance = Fraction(1, k)
            kappa = _value((p_obs - chance) / (1 - chance), f"P_chance = 1/{k} codes used")
    return SegmentMatchingResult(
        layers=layers,
        codes=codes,
        min_overlap=float(threshold),
        overlap_measure=measure,
        segments=tuple(records),
        per_code=per_code,
        n_agree=n_agree,
        n_disagree=n_disagree,
        n_codes_used=k,
        segment_agreement=total,
        kappa_bp=kappa,
        per_document=per_document or {},
    )
