"""Krippendorff's unitizing coefficients over span data: alpha_U, the 1995/2004 formula as in
DKPro (DEFINITIONS section 3.6), and the 2019 u-alpha family as in ATLAS.ti (section 3.7).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate

from tests.coding.agreement_oracle.coefficient import (
    EVERYTHING_CODED,
    NO_PAIRABLE,
    NOBODY_CODED,
    Coefficient,
    _undefined,
    _value,
)
from tests.coding.agreement_oracle.spans import (
    Code,
    Document,
    Key,
    _bucket,
    _coverage_profile,
    _items,
    _present,
    _resolve,
    _units,
)


@dataclass(frozen=True)
class UnitizingAlpha:
    """alpha_U of one code (or overall), with D_o, D_e and the units behind them."""

    alpha: Coefficient
    d_o: float
    d_e: float
    n_units: int
    units_by_layer: Mapping[str, int]
    exact_d_o: Fraction = field(default=Fraction(0), repr=False, compare=False)
    exact_d_e: Fraction = field(default=Fraction(0), repr=False, compare=False)


@dataclass(frozen=True)
class UnitizingResult:
    layers: tuple[str, ...]
    codes: tuple[Code, ...]
    per_code: Mapping[Code, UnitizingAlpha]
    overall: UnitizingAlpha
    per_document: Mapping[Key, UnitizingResult] = field(default_factory=dict)


@dataclass(frozen=True)
class UAlpha:
    """A 2019 u-alpha with its disagreeing coincidences: alpha = 1 - observed / expected.

    ``observed`` is the sum of off-diagonal l_ck (in characters), ``expected`` the sum of
    off-diagonal e_ck.
    """

    alpha: Coefficient
    observed: float
    expected: float


@dataclass(frozen=True)
class UAlphaResult:
    layers: tuple[str, ...]
    codes: tuple[Code, ...]
    is_partition: bool
    u_alpha: UAlpha
    u_alpha_binary: UAlpha
    per_code: Mapping[Code, UAlpha]
    per_document: Mapping[Key, UAlphaResult] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Krippendorff's unitizing alpha, 1995/2004 formula (section 3.6)


def _pair_disagreement(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> int:
    """Sum of delta^2 over intersecting unit/unit and unit-in-gap pairs of two layers.

    Each list is sorted and disjoint, so one merge pass finds every intersecting pair. A
    unit that meets no unit of the other layer lies inside one of its gaps.
    """
    total = 0
    hit_a = [False] * len(a)
    hit_b = [False] * len(b)
    i = j = 0
    while i < len(a) and j < len(b):
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        if a_start < b_end and b_start < a_end:
            total += (a_start - b_start) ** 2 + (a_end - b_end) ** 2
            hit_a[i] = hit_b[j] = True
        if a_end < b_end:
            i += 1
        elif b_end < a_end:
            j += 1
        else:
            i += 1
            j += 1
    for units, hits in ((a, hit_a), (b, hit_b)):
        for (start, end), hit in zip(units, hits, strict=True):
            if not hit:
                total += (end - start) ** 2
    return total


def _gaps(units: list[tuple[int, int]], length: int) -> list[int]:
    gaps = []
    previous = 0
    for start, end in units:
        if start > previous:
            gaps.append(start - previous)
        previous = end
    if length > previous:
        gaps.append(length - previous)
    return gaps


class _UnitTally:
    __slots__ = ("delta", "pair_length", "length", "rated", "unit_lengths", "gap_lengths", "by")

    def __init__(self, n_layers: int) -> None:
        self.delta = 0  # sum of delta^2 over coder pairs
        self.pair_length = 0  # sum over documents of (coder pairs x length)
        self.length = 0  # L: characters of documents with >= 2 layers
        self.rated = 0  # mL: sum over documents of (layers x length)
        self.unit_lengths: list[int] = []
        self.gap_lengths: list[int] = []
        self.by = [0] * n_layers

    def merge(self, other: _UnitTally) -> None:
        self.delta += other.delta
        self.pair_length += other.pair_length
        self.length += other.length
        self.rated += other.rated
        self.unit_lengths.extend(other.unit_lengths)
        self.gap_lengths.extend(other.gap_lengths)
        for i, n in enumerate(other.by):
            self.by[i] += n


def _expected_unitizing(tally: _UnitTally) -> Fraction:
    units = tally.unit_lengths
    if not units or tally.length == 0:
        return Fraction(0)
    gaps = sorted(tally.gap_lengths)
    suffix = list(accumulate(reversed(gaps), initial=0))[::-1]  # suffix[i] = sum(gaps[i:])
    n_gaps = len(gaps)
    cubic = 0  # sum of 2l^3 - 3l^2 + l = l(l-1)(2l-1), divisible by 6
    fits = 0
    self_pairs = 0
    by_length: dict[int, int] = {}
    for length in units:
        by_length[length] = by_length.get(length, 0) + 1
    for length, count in by_length.items():
        cubic += count * length * (length - 1) * (2 * length - 1)
        i = bisect_left(gaps, length)
        fits += count * length * length * (suffix[i] - (n_gaps - i) * (length - 1))
        self_pairs += count * length * (length - 1)
    numerator = (len(units) - 1) * cubic // 3 + fits
    rated = tally.rated
    return Fraction(2 * numerator, tally.length * (rated * (rated - 1) - self_pairs))


def _unitizing_alpha(
    layers: tuple[str, ...], tally: _UnitTally, what: str
) -> tuple[UnitizingAlpha, Fraction, Fraction]:
    if tally.length == 0:
        d_o = d_e = Fraction(0)
        alpha = _undefined("no document on which two or more of the compared layers worked")
    else:
        d_o = Fraction(tally.delta, tally.pair_length * tally.length)
        d_e = _expected_unitizing(tally)
        if not tally.unit_lengths:
            alpha = _undefined(f"no units: no layer coded {what} (D_o = D_e = 0)")
        elif d_e == 0:
            alpha = _undefined("no expected disagreement (D_e = 0): every unit has length 1")
        else:
            alpha = _value(1 - d_o / d_e)
    result = UnitizingAlpha(
        alpha=alpha,
        d_o=float(d_o),
        d_e=float(d_e),
        n_units=len(tally.unit_lengths),
        units_by_layer=dict(zip(layers, tally.by, strict=True)),
        exact_d_o=d_o,
        exact_d_e=d_e,
    )
    return result, d_o, d_e


def _overall_unitizing(
    layers: tuple[str, ...], parts: list[tuple[UnitizingAlpha, Fraction, Fraction]]
) -> UnitizingAlpha:
    d_o = sum((p[1] for p in parts), Fraction(0))
    d_e = sum((p[2] for p in parts), Fraction(0))
    n_units = sum(p[0].n_units for p in parts)
    by = {layer: sum(p[0].units_by_layer[layer] for p in parts) for layer in layers}
    if n_units == 0:
        alpha = _undefined("no units of any code")
    elif d_e == 0:
        alpha = _undefined("no expected disagreement (D_e = 0)")
    else:
        alpha = _value(1 - d_o / d_e)
    return UnitizingAlpha(alpha, float(d_o), float(d_e), n_units, by, d_o, d_e)


def unitizing_alpha(
    documents: Mapping[Key, Document] | Sequence[Document],
    layers: Sequence[str] | None = None,
    codes: Sequence[Code] | None = None,
    *,
    include_documents: bool = True,
) -> UnitizingResult:
    """Krippendorff's alpha_U (2004 formula, as DKPro) per code and overall.

    Each span is a unit; a layer's overlapping spans of one code merge, touching ones stay
    separate. Pooling over documents treats them as one continuum whose gaps end at document
    boundaries. When a layer is missing from some documents, D_o divides the summed delta^2
    by L x sum_d(pairs_d x L_d) and D_e uses mL = sum_d(m_d x L_d); with every layer present
    both reduce to the single-continuum formulas. A code without units is undefined (DKPro
    reports 0.0) and adds nothing to the overall sums.
    """
    items = _items(documents)
    layers, codes = _resolve(items, layers, codes)
    n_layers = len(layers)
    index = {layer: i for i, layer in enumerate(layers)}
    pooled = {code: _UnitTally(n_layers) for code in codes}
    per_document: dict[Key, UnitizingResult] = {}
    for key, doc in items:
        present = _present(doc, layers)
        m = len(present)
        doc_tallies: dict[Code, _UnitTally] = {}
        if m >= 2:
            slots = [index[layer] for layer in present]
            buckets = _bucket(doc, present, codes)
            length = doc.length
            pairs = m * (m - 1) // 2
            for code in codes:
                tally = _UnitTally(n_layers)
                tally.pair_length = pairs * length
                tally.length = length
                tally.rated = m * length
                raw = buckets.get(code)
                if raw is None:
                    if length:
                        tally.gap_lengths = [length] * m
                else:
                    units = [_units(intervals) for intervals in raw]
                    for i in range(m):
                        for j in range(i + 1, m):
                            tally.delta += _pair_disagreement(units[i], units[j])
                    for slot, layer_units in zip(slots, units, strict=True):
                        tally.by[slot] = len(layer_units)
                        tally.unit_lengths.extend(e - s for s, e in layer_units)
                        tally.gap_lengths.extend(_gaps(layer_units, length))
                pooled[code].merge(tally)
                doc_tallies[code] = tally
        if include_documents:
            per_document[key] = _unitizing_result(layers, codes, doc_tallies)
    return _unitizing_result(layers, codes, pooled, per_document)


def _unitizing_result(
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    tallies: Mapping[Code, _UnitTally],
    per_document: Mapping[Key, UnitizingResult] | None = None,
) -> UnitizingResult:
    parts = []
    per_code = {}
    for code in codes:
        tally = tallies.get(code) or _UnitTally(len(layers))
        part = _unitizing_alpha(layers, tally, repr(code))
        parts.append(part)
        per_code[code] = part[0]
    overall = _overall_unitizing(layers, parts)
    return UnitizingResult(layers, codes, per_code, overall, per_document or {})


# --------------------------------------------------------------------------------------------
# Krippendorff (2019) u-alpha family (section 3.7)


class _UTally:
    """Sums for the 2019 coincidences: everything needed is additive over documents."""

    __slots__ = (
        "total",
        "disagree",
        "disagree_binary",
        "coded",
        "squares",
        "code_disagree",
        "overlapping",
    )

    def __init__(self) -> None:
        self.total = 0  # l.. = sum of m_d x L_d
        self.disagree = Fraction(0)  # sum over c != k of l_ck, codes and gap as values
        self.disagree_binary = Fraction(0)  # the same with all codes collapsed to "unit"
        self.coded: dict[Code, int] = {}  # l_c. = total unit length of c
        self.squares: dict[Code, int] = {}  # K_c = sum of squared unit lengths of c
        self.code_disagree: dict[Code, Fraction] = {}  # per-code binary off-diagonal sum
        self.overlapping = False

    def merge(self, other: _UTally) -> None:
        self.total += other.total
        self.disagree += other.disagree
        self.disagree_binary += other.disagree_binary
        for target, source in (
            (self.coded, other.coded),
            (self.squares, other.squares),
            (self.code_disagree, other.code_disagree),
        ):
            for code, value in source.items():
                target[code] = target.get(code, 0) + value
        self.overlapping = self.overlapping or other.overlapping


def _u_alpha(
    observed: Fraction, marginals: list[int], squares: int, total: int, what: str
) -> UAlpha:
    """1 - observed / expected, with e_ck from eq. 33 (``squares`` = sum of all K_v)."""
    if total == 0:
        return UAlpha(_undefined(NO_PAIRABLE), 0.0, 0.0)
    off_diagonal = total * total - sum(v * v for v in marginals)
    denominator = total - Fraction(squares, total)
    if off_diagonal == 0:
        return UAlpha(_undefined(what), float(observed), 0.0)
    if denominator <= 0:
        return UAlpha(_undefined("degenerate expected coincidences"), float(observed), 0.0)
    expected = off_diagonal / denominator
    return UAlpha(_value(1 - observed / expected), float(observed), float(expected))


def _u_doc(
    buckets: dict[Code, list[list[tuple[int, int]]]],
    codes: tuple[Code, ...],
    m: int,
    length: int,
) -> _UTally:
    tally = _UTally()
    tally.total = m * length
    events: list[tuple[int, int, Code]] = []
    per_layer_units: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for code in codes:
        raw = buckets.get(code)
        if raw is None:
            continue
        units = [_units(intervals) for intervals in raw]
        coded = squares = 0
        for i, layer_units in enumerate(units):
            per_layer_units[i].extend(layer_units)
            for start, end in layer_units:
                coded += end - start
                squares += (end - start) ** 2
                events.append((start, 1, code))
                events.append((end, -1, code))
        tally.coded[code] = coded
        tally.squares[code] = squares
        w = _coverage_profile(units, length)
        tally.code_disagree[code] = Fraction(
            sum(2 * wk * k * (m - k) for k, wk in enumerate(w)), m - 1
        )
    for layer_units in per_layer_units:
        layer_units.sort()
        for (_, end), (start, _) in zip(layer_units, layer_units[1:], strict=False):
            if start < end:
                tally.overlapping = True
                break
    # Sweep over all codes at once: per elementary interval, n_v layers hold value v.
    # Off-diagonal coincidences: (m^2 - sum_v n_v^2) / (m - 1) per character.
    events.sort(key=lambda e: e[0])
    counts: dict[Code, int] = {}
    squares_sum = 0  # sum over codes of n_c^2
    coded_layers = 0  # sum over codes of n_c
    previous = 0
    disagree = disagree_binary = 0
    for position, delta, code in events:
        if position != previous:
            gap = m - coded_layers
            span = position - previous
            disagree += span * (m * m - squares_sum - gap * gap)
            disagree_binary += span * 2 * coded_layers * gap
            previous = position
        n = counts.get(code, 0)
        squares_sum += 2 * n + 1 if delta > 0 else 1 - 2 * n
        counts[code] = n + delta
        coded_layers += delta
    tally.disagree = Fraction(disagree, m - 1)
    tally.disagree_binary = Fraction(disagree_binary, m - 1)
    return tally


def _u_result(
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    tally: _UTally,
    partition: bool | None,
    per_document: Mapping[Key, UAlphaResult] | None = None,
) -> UAlphaResult:
    total = tally.total
    coded_total = sum(tally.coded.values())
    gap_total = total - coded_total
    squares_total = sum(tally.squares.values())
    is_partition = not tally.overlapping
    if partition is False:
        reason = "codes declared non-exclusive: only the per-code binary u-alpha is defined"
    elif not is_partition:
        reason = (
            "codes overlap within a layer (not a partition): only the per-code binary "
            "u-alpha is defined"
        )
    else:
        reason = ""
    if total == 0:
        nominal = binary = UAlpha(_undefined(NO_PAIRABLE), 0.0, 0.0)
    elif reason:
        nominal = binary = UAlpha(_undefined(reason), 0.0, 0.0)
    else:
        # K_phi = total gap length: a gap is divisible, each of its characters a unit.
        nominal = _u_alpha(
            tally.disagree,
            [*tally.coded.values(), gap_total],
            squares_total + gap_total,
            total,
            "no variation: one value everywhere",
        )
        binary = _u_alpha(
            tally.disagree_binary,
            [coded_total, gap_total],
            squares_total + gap_total,
            total,
            NOBODY_CODED if coded_total == 0 else EVERYTHING_CODED,
        )
    per_code = {}
    for code in codes:
        coded = tally.coded.get(code, 0)
        rest = total - coded
        per_code[code] = _u_alpha(
            tally.code_disagree.get(code, Fraction(0)),
            [coded, rest],
            tally.squares.get(code, 0) + rest,
            total,
            NOBODY_CODED if coded == 0 else EVERYTHING_CODED,
        )
    return UAlphaResult(layers, codes, is_partition, nominal, binary, per_code, per_document or {})


def u_alpha_2019(
    documents: Mapping[Key, Document] | Sequence[Document],
    layers: Sequence[str] | None = None,
    codes: Sequence[Code] | None = None,
    *,
    partition: bool | None = None,
    include_documents: bool = True,
) -> UAlphaResult:
    """Krippendorff's (2019) u-alpha, |u-alpha (binary) and the per-code binary u-alpha.

    Units: a layer's overlapping spans of one code merge, touching ones stay separate.
    Pooling sums l_ck and K_c over documents (equal to concatenating them). ``partition``:
    ``None`` checks that codes are mutually exclusive within each layer, ``False`` declares
    them non-exclusive, ``True`` asserts exclusivity (``ValueError`` if they overlap).
    """
    items = _items(documents)
    layers, codes = _resolve(items, layers, codes)
    pooled = _UTally()
    per_document: dict[Key, UAlphaResult] = {}
    for key, doc in items:
        present = _present(doc, layers)
        m = len(present)
        tally = _u_doc(_bucket(doc, present, codes), codes, m, doc.length) if m >= 2 else None
        if tally is not None:
            pooled.merge(tally)
        if include_documents:
            per_document[key] = _u_result(layers, codes, tally or _UTally(), partition)
    if partition is True and pooled.overlapping:
        raise ValueError("partition=True, but codes overlap within a layer")
    return _u_result(layers, codes, pooled, partition, per_document)
