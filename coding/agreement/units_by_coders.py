"""Coefficients of pre-segmented data, a units x coders matrix (DEFINITIONS sections 3.3, 3.4):
Krippendorff's alpha (nominal, ordinal, interval, ratio), percent agreement, Fleiss' kappa,
Gwet's AC1, Brennan-Prediger, and for two identified coders Cohen's kappa and Scott's pi.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate

from coding.agreement.coefficient import Coefficient, _undefined, _value


@dataclass(frozen=True)
class ReliabilityResult:
    """Coefficients of a units x coders data set, with the counts behind them.

    ``n_units``: units with at least one value; ``n_pairable``: units with two or more;
    ``n_values``: pairable values (Krippendorff's n); ``coincidences[(c, k)]``: o_ck.
    """

    categories: tuple
    n_units: int
    n_pairable: int
    n_values: int
    coincidences: Mapping[tuple, float]
    alpha_nominal: Coefficient
    alpha_ordinal: Coefficient
    alpha_interval: Coefficient
    alpha_ratio: Coefficient
    percent_agreement: Coefficient
    fleiss_kappa: Coefficient
    gwet_ac1: Coefficient
    brennan_prediger: Coefficient
    cohen_kappa: Coefficient
    scott_pi: Coefficient

    def alpha(self, level: str) -> Coefficient:
        return getattr(self, f"alpha_{level}")


# --------------------------------------------------------------------------------------------
# Units x coders (sections 3.3, 3.4)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _numeric(value: object) -> bool:
    return isinstance(value, int | float | Fraction) and not isinstance(value, bool)


class _Units:
    """Aggregated units: (value -> count) per distinct unit pattern, with multiplicity."""

    def __init__(self) -> None:
        self.patterns: dict[frozenset, int] = {}
        self.pairs: dict[tuple, int] | None = None  # two identified coders: (a, b) -> units

    def add(self, counts: dict, multiplicity: int = 1) -> None:
        if multiplicity <= 0 or not counts:
            return
        key = frozenset(counts.items())
        self.patterns[key] = self.patterns.get(key, 0) + multiplicity


def _order(values: Sequence, categories: Sequence | None) -> tuple[tuple, str]:
    """Categories in scale order, or a reason why there is no order."""
    if categories is not None:
        return tuple(categories), ""
    try:
        return tuple(sorted(values)), ""
    except TypeError:
        return tuple(values), "values have no natural order; pass categories in scale order"


def reliability_matrix_coefficients(
    units: Sequence[Sequence[object]], *, categories: Sequence | None = None
) -> ReliabilityResult:
    """Coefficients of a units x coders matrix (``None`` or NaN = missing value).

    ``categories`` fixes the category list (q for AC1 and Brennan-Prediger) and the scale
    order for ordinal alpha; otherwise the observed values are used, in sorted order.
    """
    data = _Units()
    widths = {len(row) for row in units}
    if len(widths) > 1:
        raise ValueError("every unit needs one entry per coder")
    n_coders = widths.pop() if widths else 0
    if n_coders == 2:
        data.pairs = {}
    for row in units:
        counts: dict = {}
        for value in row:
            if not _missing(value):
                counts[value] = counts.get(value, 0) + 1
        data.add(counts)
        if data.pairs is not None and not _missing(row[0]) and not _missing(row[1]):
            pair = (row[0], row[1])
            data.pairs[pair] = data.pairs.get(pair, 0) + 1
    reason = "" if n_coders == 2 else f"needs exactly two coders ({n_coders} given)"
    return _coefficients(data, categories, reason)


def contingency_table_coefficients(
    table: Sequence[Sequence[int]], *, categories: Sequence
) -> ReliabilityResult:
    """Coefficients of two coders' cross table: ``table[i][j]`` units A put in i, B in j."""
    categories = tuple(categories)
    if len(table) != len(categories) or any(len(row) != len(categories) for row in table):
        raise ValueError("the table must be square, one row and column per category")
    data = _Units()
    data.pairs = {}
    for a, row in zip(categories, table, strict=True):
        for b, n in zip(categories, row, strict=True):
            if n < 0:
                raise ValueError("table counts must be >= 0")
            if n:
                data.add({a: 2} if a == b else {a: 1, b: 1}, n)
                data.pairs[(a, b)] = n
    return _coefficients(data, categories, "")


def category_counts_coefficients(
    counts: Sequence[Sequence[int]], *, categories: Sequence
) -> ReliabilityResult:
    """Coefficients from per-unit category counts (raters per category, no identities)."""
    categories = tuple(categories)
    data = _Units()
    for row in counts:
        if len(row) != len(categories):
            raise ValueError("every unit needs one count per category")
        if any(n < 0 for n in row):
            raise ValueError("category counts must be >= 0")
        data.add({c: n for c, n in zip(categories, row, strict=True) if n})
    return _coefficients(data, categories, "needs two identified coders (counts have none)")


def _coefficients(
    data: _Units, categories: Sequence | None, two_coder_reason: str
) -> ReliabilityResult:
    observed: dict = {}
    for pattern in data.patterns:
        for value, _ in pattern:
            observed.setdefault(value, None)
    if categories is not None:
        unknown = [v for v in observed if v not in set(categories)]
        if unknown:
            raise ValueError(f"values {unknown!r} are not among the categories")
    order, order_reason = _order(list(observed), categories)
    # Coincidences o_ck (section 3.4), units with m_u >= 2 only.
    coincidence: dict[tuple, Fraction] = {}
    n_units = n_pairable = 0
    pa_sum = Fraction(0)
    for pattern, multiplicity in data.patterns.items():
        r = sum(n for _, n in pattern)
        n_units += multiplicity
        if r < 2:
            continue
        n_pairable += multiplicity
        pa_sum += Fraction(multiplicity * sum(n * (n - 1) for _, n in pattern), r * (r - 1))
        for c, nc in pattern:
            for k, nk in pattern:
                pairs = nc * (nc - 1) if c == k else nc * nk
                if pairs:
                    coincidence[(c, k)] = coincidence.get((c, k), Fraction(0)) + Fraction(
                        multiplicity * pairs, r - 1
                    )
    marginals: dict = {}
    for (c, _), o in coincidence.items():
        marginals[c] = marginals.get(c, 0) + o
    n_values = int(sum(marginals.values()))

    alphas = {
        level: _krippendorff(coincidence, marginals, n_values, level, order, order_reason)
        for level in ("nominal", "ordinal", "interval", "ratio")
    }
    if n_pairable:
        pa_exact = pa_sum / n_pairable
        pa = _value(pa_exact)
    else:
        pa_exact = None
        pa = _undefined("no unit has two or more values")
    fleiss, ac1, bp = _multi_rater(data, categories, observed, pa_exact)
    if data.pairs is None or two_coder_reason:
        reason = two_coder_reason or "needs exactly two coders"
        cohen = scott = _undefined(reason)
    else:
        cohen, scott = _two_coders(data.pairs)
    return ReliabilityResult(
        categories=tuple(categories) if categories is not None else order,
        n_units=n_units,
        n_pairable=n_pairable,
        n_values=n_values,
        coincidences={pair: float(o) for pair, o in coincidence.items()},
        alpha_nominal=alphas["nominal"],
        alpha_ordinal=alphas["ordinal"],
        alpha_interval=alphas["interval"],
        alpha_ratio=alphas["ratio"],
        percent_agreement=pa,
        fleiss_kappa=fleiss,
        gwet_ac1=ac1,
        brennan_prediger=bp,
        cohen_kappa=cohen,
        scott_pi=scott,
    )


def _krippendorff(
    coincidence: Mapping[tuple, Fraction],
    marginals: Mapping,
    n: int,
    level: str,
    order: tuple,
    order_reason: str,
) -> Coefficient:
    if n == 0:
        return _undefined("no unit has two or more values")
    values = list(marginals)
    if level == "nominal":

        def delta(c: object, k: object) -> Fraction:
            return Fraction(c != k)

    elif level == "ordinal":
        if order_reason:
            return _undefined(order_reason)
        rank = {v: i for i, v in enumerate(order)}
        cumulative = list(accumulate((marginals.get(v, 0) for v in order), initial=Fraction(0)))

        def delta(c: object, k: object) -> Fraction:
            lo, hi = sorted((rank[c], rank[k]))
            between = cumulative[hi + 1] - cumulative[lo]
            return (between - (marginals[c] + marginals[k]) / 2) ** 2

    else:
        if not all(_numeric(v) for v in values):
            return _undefined(f"{level} alpha needs numeric values")
        if level == "ratio" and any(v < 0 for v in values):
            return _undefined("ratio alpha needs values >= 0")

        def delta(c: object, k: object) -> Fraction:
            c, k = Fraction(c), Fraction(k)
            if level == "interval":
                return (c - k) ** 2
            return ((c - k) / (c + k)) ** 2 if c != k else Fraction(0)

    observed = sum((o * delta(c, k) for (c, k), o in coincidence.items() if c != k), Fraction(0))
    expected = sum(
        (marginals[c] * marginals[k] * delta(c, k) for c in values for k in values if c != k),
        Fraction(0),
    )
    if expected == 0:
        return _undefined("no variation: every pairable value is the same")
    return _value(1 - (n - 1) * observed / expected)


def _multi_rater(
    data: _Units, categories: Sequence | None, observed: Mapping, pa: Fraction | None
) -> tuple[Coefficient, Coefficient, Coefficient]:
    rated = sum(data.patterns.values())  # units with at least one rating
    q = len(categories) if categories is not None else len(observed)
    if pa is None or rated == 0:
        undefined = _undefined("no unit has two or more values")
        return undefined, undefined, undefined
    pi: dict = {}
    for pattern, multiplicity in data.patterns.items():
        r = sum(n for _, n in pattern)
        for value, n in pattern:
            pi[value] = pi.get(value, Fraction(0)) + Fraction(multiplicity * n, r)
    pi = {value: share / rated for value, share in pi.items()}
    pe_fleiss = sum((p * p for p in pi.values()), Fraction(0))
    if pe_fleiss == 1:
        fleiss = _undefined("no variation: every rating is the same category")
    else:
        fleiss = _value((pa - pe_fleiss) / (1 - pe_fleiss))
    if q < 2:
        ac1 = bp = _undefined("needs at least two categories")
    else:
        pe_ac1 = sum((p * (1 - p) for p in pi.values()), Fraction(0)) / (q - 1)
        ac1 = _value((pa - pe_ac1) / (1 - pe_ac1))
        pe_bp = Fraction(1, q)
        bp = _value((pa - pe_bp) / (1 - pe_bp))
    return fleiss, ac1, bp


def _two_coders(pairs: Mapping[tuple, int]) -> tuple[Coefficient, Coefficient]:
    n = sum(pairs.values())
    if n == 0:
        undefined = _undefined("no unit rated by both coders")
        return undefined, undefined
    agree = sum(count for (a, b), count in pairs.items() if a == b)
    row: dict = {}
    col: dict = {}
    for (a, b), count in pairs.items():
        row[a] = row.get(a, 0) + count
        col[b] = col.get(b, 0) + count
    p_o = Fraction(agree, n)
    pe_cohen = Fraction(sum(row[v] * col.get(v, 0) for v in row), n * n)
    values = set(row) | set(col)
    pe_scott = sum(
        (Fraction(row.get(v, 0) + col.get(v, 0), 2 * n) ** 2 for v in values), Fraction(0)
    )
    no_variation = _undefined("no variation: chance agreement is 1")
    cohen = no_variation if pe_cohen == 1 else _value((p_o - pe_cohen) / (1 - pe_cohen))
    scott = no_variation if pe_scott == 1 else _value((p_o - pe_scott) / (1 - pe_scott))
    return cohen, scott
