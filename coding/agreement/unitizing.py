"""Krippendorff's unitizing coefficients over span data: alpha_U, the 1995/2004 formula as in
DKPro (DEFINITIONS section 3.6), and the 2019 u-alpha family as in ATLAS.ti (section 3.7).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate

from coding.agreement.coefficient import (
    EVERYTHING_CODED,
    NO_PAIRABLE,
    NOBODY_CODED,
    Coefficient,
    _undefined,
    _value,
)
from coding.agreement.spans import (
    Code,
    Document,
    Key,
    _items,
    _prepare,
    _Prepared,
    _resolve,
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

    def add_document(self, m: int, length: int) -> None:
        """The code-independent sums of a document on which ``m >= 2`` layers worked."""
        self.pair_length += m * (m - 1) // 2 * length
        self.length += length
        self.rated += m * length


def _tally_units(
    tally: _UnitTally, doc: _Prepared, code: Code, slots: list[int], length: int
) -> None:
    """Add one document's units of one code (one sorted, disjoint list per present layer)."""
    units = doc.units[code]
    m = len(units)
    if m == 2:
        tally.delta += doc.pair(code).delta
    else:
        for i in range(m):
            for j in range(i + 1, m):
                tally.delta += _pair_disagreement(units[i], units[j])
    unit_lengths = tally.unit_lengths.append
    gap_lengths = tally.gap_lengths.append
    for slot, layer_units in zip(slots, units, strict=True):
        tally.by[slot] += len(layer_units)
        previous = 0
        for start, end in layer_units:
            unit_lengths(end - start)
            if start > previous:
                gap_lengths(start - previous)
            previous = end
        if length > previous:
            gap_lengths(length - previous)


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
    for length, count in Counter(units).items():
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
    return _unitizing_prepared(_prepare(items, layers, codes), layers, codes, include_documents)


def _unitizing_prepared(
    prepared: list[_Prepared],
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    include_documents: bool,
) -> UnitizingResult:
    """:func:`unitizing_alpha` on documents already bucketed (:func:`_prepare`).

    Only the documents where a code has units are visited per code; the sums every code
    shares (lengths, and one whole-document gap per layer where it has none) are added once
    at the end. Per-document tallies are built only when asked for.
    """
    n_layers = len(layers)
    index = {layer: i for i, layer in enumerate(layers)}
    shared = _UnitTally(n_layers)
    whole: dict[int, int] = {}  # document length -> layers x documents (m >= 2)
    taken: dict[Code, dict[int, int]] = {code: {} for code in codes}  # ... where c has units
    pooled = {code: _UnitTally(n_layers) for code in codes}
    per_document: dict[Key, UnitizingResult] = {}
    for doc in prepared:
        m = len(doc.present)
        length = doc.length
        doc_tallies: dict[Code, _UnitTally] = {}
        if m >= 2:
            shared.add_document(m, length)
            whole[length] = whole.get(length, 0) + m
            slots = [index[layer] for layer in doc.present]
            for code in doc.units:
                own = taken[code]
                own[length] = own.get(length, 0) + m
                _tally_units(pooled[code], doc, code, slots, length)
            if include_documents:
                for code in codes:
                    tally = doc_tallies[code] = _UnitTally(n_layers)
                    tally.add_document(m, length)
                    if code not in doc.units:
                        if length:
                            tally.gap_lengths = [length] * m
                    else:
                        _tally_units(tally, doc, code, slots, length)
        if include_documents:
            per_document[doc.key] = _unitizing_result(layers, codes, doc_tallies)
    for code, tally in pooled.items():
        tally.pair_length = shared.pair_length
        tally.length = shared.length
        tally.rated = shared.rated
        # A document without units of the code is one gap per layer.
        own = taken[code]
        for length, n in whole.items():
            if length and n > own.get(length, 0):
                tally.gap_lengths.extend([length] * (n - own.get(length, 0)))
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
    """Sums for the 2019 coincidences: everything needed is additive over documents.

    The off-diagonal sums are integers over the denominator m - 1 of the documents they come
    from (``sums[m - 1] = [codes and gap, binary, {code: per-code binary}]``); the exact
    values are built once, from these numerators, when the result is formed.
    """

    __slots__ = ("total", "sums", "coded", "squares", "overlapping")

    def __init__(self) -> None:
        self.total = 0  # l.. = sum of m_d x L_d
        self.sums: dict[int, list] = {}
        self.coded: dict[Code, int] = {}  # l_c. = total unit length of c
        self.squares: dict[Code, int] = {}  # K_c = sum of squared unit lengths of c
        self.overlapping = False

    def for_layers(self, m: int) -> list:
        sums = self.sums.get(m - 1)
        if sums is None:
            sums = self.sums[m - 1] = [0, 0, {}]
        return sums

    def merge(self, other: _UTally) -> None:
        self.total += other.total
        for d, (disagree, binary, per_code) in other.sums.items():
            sums = self.for_layers(d + 1)
            sums[0] += disagree
            sums[1] += binary
            own = sums[2]
            for code, n in per_code.items():
                own[code] = own.get(code, 0) + n
        for target, source in ((self.coded, other.coded), (self.squares, other.squares)):
            for code, value in source.items():
                target[code] = target.get(code, 0) + value
        self.overlapping = self.overlapping or other.overlapping

    def disagree(self, which: int) -> Fraction:
        """Off-diagonal sum: 0 over codes and gap, 1 binary (all codes collapsed to "unit")."""
        return sum((Fraction(s[which], d) for d, s in self.sums.items()), Fraction(0))

    def code_disagree(self, code: Code) -> Fraction:
        """The per-code binary off-diagonal sum."""
        return sum((Fraction(s[2].get(code, 0), d) for d, s in self.sums.items()), Fraction(0))


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


def _binary_off_diagonal(units: list[list[tuple[int, int]]], m: int) -> int:
    """(m - 1) x the per-code binary off-diagonal sum: sum_k 2 w(k) k (m - k), where w(k)
    counts the characters that exactly k layers coded (w(0) and w(m) add nothing)."""
    events = [(start, 1) for layer_units in units for start, _ in layer_units]
    events.extend((end, -1) for layer_units in units for _, end in layer_units)
    events.sort()
    total = 0
    previous = 0
    k = 0
    for position, delta in events:
        if position != previous:
            total += (position - previous) * k * (m - k)
            previous = position
        k += delta
    return 2 * total


def _u_doc(
    tally: _UTally, doc: _Prepared, code_index: dict[Code, int], partition: bool | None
) -> None:
    """Add one document on which ``m >= 2`` layers worked to ``tally``.

    The sweep over all codes is skipped once ``tally`` has codes overlapping within a layer
    (this document's or, for the pooled tally, an earlier one's), or with ``partition=False``.
    """
    units_by_code = doc.units
    m = len(doc.present)
    tally.total += m * doc.length
    sums = tally.for_layers(m)
    per_code = sums[2]
    events: list[tuple[int, int, int]] = []
    per_layer_units: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for code, units in units_by_code.items():
        coded = squares = 0
        for i, layer_units in enumerate(units):
            per_layer_units[i].extend(layer_units)
            for start, end in layer_units:
                n = end - start
                coded += n
                squares += n * n
        tally.coded[code] = tally.coded.get(code, 0) + coded
        tally.squares[code] = tally.squares.get(code, 0) + squares
        if m == 2:  # w(1) = coded - 2 w(2): sum_k 2 w(k) k (m - k) = 2 w(1)
            off_diagonal = 2 * (coded - 2 * doc.pair(code).overlap)
        else:
            off_diagonal = _binary_off_diagonal(units, m)
        per_code[code] = per_code.get(code, 0) + off_diagonal
    if not tally.overlapping:
        for layer_units in per_layer_units:
            layer_units.sort()
            for (_, end), (start, _) in zip(layer_units, layer_units[1:], strict=False):
                if start < end:
                    tally.overlapping = True
                    break
    if partition is False or tally.overlapping:
        # The sums below serve only u_alpha and u_alpha_binary, which are undefined when
        # codes overlap within a layer or are declared non-exclusive.
        return
    for code, units in units_by_code.items():
        ci = code_index[code]
        for layer_units in units:
            for start, end in layer_units:
                events.append((start, 1, ci))
                events.append((end, -1, ci))
    # Sweep over all codes at once: per elementary interval, n_v layers hold value v.
    # Off-diagonal coincidences: (m^2 - sum_v n_v^2) / (m - 1) per character. The order of
    # the events at one position does not matter: only the state between positions counts.
    events.sort()
    counts = [0] * len(code_index)
    squares_sum = 0  # sum over codes of n_c^2
    coded_layers = 0  # sum over codes of n_c
    previous = 0
    disagree = disagree_binary = 0
    mm = m * m
    for position, delta, ci in events:
        if position != previous:
            gap = m - coded_layers
            span = position - previous
            disagree += span * (mm - squares_sum - gap * gap)
            disagree_binary += span * 2 * coded_layers * gap
            previous = position
        n = counts[ci]
        squares_sum += 2 * n + 1 if delta > 0 else 1 - 2 * n
        counts[ci] = n + delta
        coded_layers += delta
    sums[0] += disagree
    sums[1] += disagree_binary


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
            tally.disagree(0),
            [*tally.coded.values(), gap_total],
            squares_total + gap_total,
            total,
            "no variation: one value everywhere",
        )
        binary = _u_alpha(
            tally.disagree(1),
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
            tally.code_disagree(code),
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
    prepared = _prepare(items, layers, codes)
    return _u_alpha_prepared(prepared, layers, codes, partition, include_documents)


def _u_alpha_prepared(
    prepared: list[_Prepared],
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    partition: bool | None,
    include_documents: bool,
) -> UAlphaResult:
    """:func:`u_alpha_2019` on documents already bucketed (:func:`_prepare`)."""
    code_index = {code: i for i, code in enumerate(codes)}
    pooled = _UTally()
    per_document: dict[Key, UAlphaResult] = {}
    for doc in prepared:
        m = len(doc.present)
        tally = None
        if m >= 2:
            tally = _UTally() if include_documents else pooled
            _u_doc(tally, doc, code_index, partition)
            if include_documents:
                pooled.merge(tally)
        if include_documents:
            per_document[doc.key] = _u_result(layers, codes, tally or _UTally(), partition)
    if partition is True and pooled.overlapping:
        raise ValueError("partition=True, but codes overlap within a layer")
    return _u_result(layers, codes, pooled, partition, per_document)
