"""Character-level agreement (DEFINITIONS sections 3.1, 3.2, 3.5): percent agreement, Cohen's
kappa as NVivo computes it, binary Krippendorff alpha and Fleiss' kappa per code, from a sweep
over span boundaries (characters are never materialised).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

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
    _bucket,
    _coverage_profile,
    _items,
    _present,
    _resolve,
    _union,
)

# Prevalence flag (DEFINITIONS section 1.3): high raw agreement with a low chance-corrected
# coefficient usually means a rare code, not careless coders.
PREVALENCE_MIN_AGREEMENT = Fraction(9, 10)
PREVALENCE_MAX_COEFFICIENT = Fraction(6, 10)


@dataclass(frozen=True)
class CharacterCounts:
    """The counts behind the character-level coefficients of one code.

    ``profile[m]`` is the coverage profile w(0..m) of the characters of documents on which
    ``m`` of the compared layers worked: w(k) characters were coded by exactly k of them.
    ``characters`` counts the pairable characters (rated by two or more layers).
    ``coded_by[layer]`` counts the characters the layer coded, in documents it worked on.
    For exactly two layers, n11/n10/n01/n00 is the 2x2 table over the documents both worked
    on (n10: coded by the first layer only); otherwise these are ``None``.
    """

    layers: tuple[str, ...]
    characters: int
    coded_by: Mapping[str, int]
    profile: Mapping[int, tuple[int, ...]]
    n11: int | None = None
    n10: int | None = None
    n01: int | None = None
    n00: int | None = None

    @property
    def w(self) -> tuple[int, ...]:
        """The profile for documents on which all compared layers worked."""
        m = len(self.layers)
        return self.profile.get(m, (0,) * (m + 1))


@dataclass(frozen=True)
class CodeAgreement:
    """Character-level agreement on one code (one document, or pooled).

    ``prevalence_warning``: percent agreement >= 0.90 while the chance-corrected coefficient
    (Cohen's kappa for two layers, else alpha_binary) is below 0.60, the signature of a rare
    code rather than of careless coders (NVivo's "low kappa, high agreement").
    """

    code: Code
    counts: CharacterCounts
    percent_agreement: Coefficient
    cohen_kappa: Coefficient
    alpha_binary: Coefficient
    fleiss_kappa: Coefficient
    prevalence_warning: bool


@dataclass(frozen=True)
class AgreementResult:
    layers: tuple[str, ...]
    codes: tuple[Code, ...]
    per_code: Mapping[Code, CodeAgreement]
    per_document: Mapping[Key, Mapping[Code, CodeAgreement]]


# --------------------------------------------------------------------------------------------
# Character level (sections 3.1, 3.2, 3.5)


class _CharTally:
    """Mutable counts for one code, summed over documents."""

    __slots__ = ("profile", "coded_by", "table")

    def __init__(self, n_layers: int) -> None:
        self.profile: dict[int, list[int]] = {}
        self.coded_by = [0] * n_layers
        self.table = [0, 0, 0, 0]  # n11, n10, n01, n00

    def add(self, m: int, w: list[int]) -> None:
        current = self.profile.get(m)
        if current is None:
            self.profile[m] = list(w)
        else:
            for k, weight in enumerate(w):
                current[k] += weight


def _char_result(
    code: Code, layers: tuple[str, ...], tally: _CharTally, two_layers: bool
) -> CodeAgreement:
    profile = {m: tuple(w) for m, w in sorted(tally.profile.items())}
    pairable = sum(sum(w) for m, w in profile.items() if m >= 2)
    n11 = n10 = n01 = n00 = None
    if two_layers:
        n11, n10, n01, n00 = tally.table
    counts = CharacterCounts(
        layers=layers,
        characters=pairable,
        coded_by=dict(zip(layers, tally.coded_by, strict=True)),
        profile=profile,
        n11=n11,
        n10=n10,
        n01=n01,
        n00=n00,
    )
    if len(profile) == 1 and next(iter(profile)) >= 2:
        pa, pa_exact, alpha, fleiss = _char_single(*next(iter(profile.items())))
    else:
        pa, pa_exact = _char_percent_agreement(profile)
        alpha = _char_alpha(profile)
        fleiss = _char_fleiss(profile, pa_exact)
    if two_layers:
        kappa = _nvivo_kappa(tally.table, layers)
    else:
        kappa = _undefined(
            f"Cohen's kappa compares exactly two layers ({len(layers)} compared); "
            "see alpha_binary or fleiss_kappa"
        )
    corrected = kappa if two_layers else alpha
    warning = (
        pa_exact is not None
        and pa_exact >= PREVALENCE_MIN_AGREEMENT
        and corrected.exact is not None
        and corrected.exact < PREVALENCE_MAX_COEFFICIENT
    )
    return CodeAgreement(code, counts, pa, kappa, alpha, fleiss, warning)


def _char_single(
    m: int, w: tuple[int, ...]
) -> tuple[Coefficient, Fraction | None, Coefficient, Coefficient]:
    """The general formulas below for documents that all have the same m >= 2 layers.

    Integer forms (n = mL, S = sum_k w(k)(k(k-1) + (m-k)(m-k-1)), X = sum_k w(k)k(m-k)):
    pa = S / (m(m-1)L); alpha = 1 - (n-1)X / ((m-1)n0 n1);
    Fleiss = (S m L - (m-1)(n0^2 + n1^2)) / (2(m-1)n0 n1).
    """
    units = sum(w)
    if units == 0:
        undefined = _undefined(NO_PAIRABLE)
        return undefined, None, undefined, undefined
    agreeing = crossing = n1 = 0
    for k, wk in enumerate(w):
        if wk:
            agreeing += wk * (k * (k - 1) + (m - k) * (m - k - 1))
            crossing += wk * k * (m - k)
            n1 += wk * k
    pa_exact = Fraction(agreeing, m * (m - 1) * units)
    n = m * units
    n0 = n - n1
    if n1 == 0 or n0 == 0:
        undefined = _undefined(NOBODY_CODED if n1 == 0 else EVERYTHING_CODED)
        return _value(pa_exact), pa_exact, undefined, undefined
    denominator = (m - 1) * n0 * n1
    alpha = _value(Fraction(denominator - (n - 1) * crossing, denominator))
    fleiss = _value(Fraction(agreeing * m * units - (m - 1) * (n0 * n0 + n1 * n1), 2 * denominator))
    return _value(pa_exact), pa_exact, alpha, fleiss


def _char_percent_agreement(
    profile: Mapping[int, tuple[int, ...]],
) -> tuple[Coefficient, Fraction | None]:
    total = Fraction(0)
    units = 0
    for m, w in profile.items():
        if m < 2:
            continue
        agreeing = sum(wk * (k * (k - 1) + (m - k) * (m - k - 1)) for k, wk in enumerate(w))
        total += Fraction(agreeing, m * (m - 1))
        units += sum(w)
    if units == 0:
        return _undefined(NO_PAIRABLE), None
    exact = total / units
    return _value(exact), exact


def _char_alpha(profile: Mapping[int, tuple[int, ...]]) -> Coefficient:
    n = n1 = 0
    o01 = Fraction(0)
    for m, w in profile.items():
        if m < 2:
            continue
        n += m * sum(w)
        n1 += sum(k * wk for k, wk in enumerate(w))
        o01 += Fraction(sum(wk * k * (m - k) for k, wk in enumerate(w)), m - 1)
    if n == 0:
        return _undefined(NO_PAIRABLE)
    n0 = n - n1
    if n1 == 0:
        return _undefined(NOBODY_CODED)
    if n0 == 0:
        return _undefined(EVERYTHING_CODED)
    return _value(1 - (n - 1) * o01 / (n0 * n1))


def _char_fleiss(profile: Mapping[int, tuple[int, ...]], pa: Fraction | None) -> Coefficient:
    # Generalized Fleiss (section 3.3): pi over every character rated by at least one layer.
    units = 0
    pi = Fraction(0)
    for m, w in profile.items():
        if m < 1:
            continue
        units += sum(w)
        pi += Fraction(sum(k * wk for k, wk in enumerate(w)), m)
    if pa is None or units == 0:
        return _undefined(NO_PAIRABLE)
    pi /= units
    if pi == 0:
        return _undefined(NOBODY_CODED)
    if pi == 1:
        return _undefined(EVERYTHING_CODED)
    pe = pi * pi + (1 - pi) * (1 - pi)
    return _value((pa - pe) / (1 - pe))


def _nvivo_kappa(table: list[int], layers: tuple[str, ...]) -> Coefficient:
    n11, n10, n01, n00 = table
    n = n11 + n10 + n01 + n00
    if n == 0:
        return _undefined("no characters that both layers worked on")
    a1, b1 = n11 + n10, n11 + n01
    chance = a1 * b1 + (n - a1) * (n - b1)  # p_e * N^2
    if chance == n * n:
        if a1 == 0:
            note = "neither layer coded this code: NVivo convention kappa = 1"
        else:
            note = "both layers coded every character: NVivo convention kappa = 1"
        return _value(1, note)
    exact = Fraction((n11 + n00) * n - chance, n * n - chance)
    if a1 == 0 or b1 == 0:
        only = layers[0] if b1 == 0 else layers[1]
        return _value(exact, f"only {only} coded this code: kappa is 0 by arithmetic")
    return _value(exact)


def character_agreement(
    documents: Mapping[Key, Document] | Sequence[Document],
    layers: Sequence[str] | None = None,
    codes: Sequence[Code] | None = None,
    *,
    include_documents: bool = True,
) -> AgreementResult:
    """Character-level agreement per code, per document and pooled over documents.

    Pooling sums the counts (2x2 tables, coverage profiles) over documents, which equals
    computing on the concatenated documents. A document on which fewer than two of the
    compared layers worked adds nothing pairable (its per-document coefficients are
    undefined), but its single-layer characters enter Fleiss' pi as irrCAC does.
    """
    items = _items(documents)
    layers, codes = _resolve(items, layers, codes)
    n_layers = len(layers)
    two = n_layers == 2
    index = {layer: i for i, layer in enumerate(layers)}
    pooled = {code: _CharTally(n_layers) for code in codes}
    per_document: dict[Key, dict[Code, CodeAgreement]] = {}
    empty: dict[Code, list[list[tuple[int, int]]]] = {}
    for key, doc in items:
        present = _present(doc, layers)
        m = len(present)
        slots = [index[layer] for layer in present]
        length = doc.length
        buckets = _bucket(doc, present, codes) if m else empty
        doc_results: dict[Code, CodeAgreement] = {}
        for code in codes:
            raw = buckets.get(code)
            doc_tally = _CharTally(n_layers)
            if m:
                if raw is None:
                    w = [length] + [0] * m
                    covered = [0] * m
                else:
                    united = [_union(intervals) for intervals in raw]
                    w = _coverage_profile(united, length)
                    covered = [sum(e - s for s, e in intervals) for intervals in united]
                doc_tally.add(m, w)
                for slot, c in zip(slots, covered, strict=True):
                    doc_tally.coded_by[slot] = c
                if two and m == 2:
                    n11 = w[2]
                    n10 = covered[0] - n11
                    n01 = covered[1] - n11
                    doc_tally.table = [n11, n10, n01, length - n11 - n10 - n01]
                tally = pooled[code]
                tally.add(m, w)
                for slot, c in zip(slots, covered, strict=True):
                    tally.coded_by[slot] += c
                if two and m == 2:
                    for i, value in enumerate(doc_tally.table):
                        tally.table[i] += value
            if include_documents:
                doc_results[code] = _char_result(code, layers, doc_tally, two)
        if include_documents:
            per_document[key] = doc_results
    per_code = {code: _char_result(code, layers, pooled[code], two) for code in codes}
    return AgreementResult(layers, codes, per_code, per_document)
