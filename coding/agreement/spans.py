"""Inter-coder agreement engine: pure functions over plain data.

No Django and no database: views and exports build the input, call one function and render
the frozen dataclasses it returns. Formulas and conventions follow
``docs/agreement/DEFINITIONS.md`` (section numbers below refer to it); ``cases.json``
beside it holds the worked examples the tests reproduce.

Input
-----
``Span(layer, code, start, end)``
    Half-open ``[start, end)`` offsets in code points; ``0 <= start < end`` (zero-length
    spans are rejected with ``ValueError``).
``Document(length, spans, layers=None)``
    ``layers`` lists the layers that worked on the document. A compared layer that is not
    listed is *missing* for the document (not "coded nothing"). ``None`` means every
    compared layer worked on it. Spans must lie inside ``[0, length)`` and belong to a
    listed layer.

``documents`` is either a mapping ``{key: Document}`` (the keys index ``per_document``) or a
sequence of documents (keyed ``0, 1, ...``). ``layers`` defaults to every layer named by a
document or a span, ``codes`` to every code that has a span (in order of first appearance);
a code listed in ``codes`` but never used is still reported. Spans of other layers or codes
are ignored.

Span data (sections 2, 3.1-3.8)
-------------------------------
``character_agreement(documents, layers=None, codes=None, *, include_documents=True)``
    -> ``AgreementResult`` with ``.per_code[code]`` (pooled by summing counts over
    documents) and ``.per_document[key][code]``, both ``CodeAgreement``: percent agreement
    (Gwet's mean pairwise agreement, equal to NVivo's for two layers), Cohen's kappa as NVivo
    computes it (two layers only; 1 when p_e = 1), binary Krippendorff alpha and Fleiss'
    kappa, with the ``CharacterCounts`` behind them (n11/n10/n01/n00 for two layers, the
    coverage profile w(k), characters coded per layer) and a ``prevalence_warning`` flag.
    ``include_documents=False`` skips the per-document results (pooled only, faster).
    Characters are never materialised: everything comes from a sweep over span
    boundaries (section 5).
``unitizing_alpha(documents, layers=None, codes=None, *, include_documents=True)``
    -> ``UnitizingResult``: Krippendorff's alpha_U (1995/2004 formula as in DKPro) per code
    with D_o and D_e, and overall ``1 - sum D_o / sum D_e``.
``u_alpha_2019(documents, layers=None, codes=None, *, partition=None, include_documents=True)``
    -> ``UAlphaResult``: the 2019 family: ``u_alpha`` (nominal, multi-valued),
    ``u_alpha_binary`` (|u-alpha) and ``per_code[c]`` (binary per code). The first two need
    mutually exclusive codes within each layer; ``partition=None`` detects this,
    ``False`` declares the codes non-exclusive (both undefined).
``segment_matching(documents, layers, codes=None, *, min_overlap=0.9, overlap_measure="iou")``
    -> ``SegmentMatchingResult``: MAXQDA-style matching of two layers' segments,
    ``segments`` (one ``SegmentRecord`` per segment, walkable in a UI; ``disagreements``
    lists the unmatched ones), counts per code, ``segment_agreement`` and ``kappa_bp``.

Pre-segmented data (sections 3.3, 3.4)
--------------------------------------
``reliability_matrix_coefficients(units, *, categories=None)``
    ``units`` is a units x coders matrix, ``None`` (or NaN) for a missing value.
``contingency_table_coefficients(table, *, categories)``
    Two coders' cross table, rows = coder A.
``category_counts_coefficients(counts, *, categories)``
    Per unit, the number of raters per category (no coder identities).
All three return ``ReliabilityResult``: Krippendorff's alpha (nominal, ordinal, interval,
ratio), percent agreement (Gwet/irrCAC), Fleiss' kappa (generalized), Gwet's AC1,
Brennan-Prediger, and for exactly two identified coders Cohen's kappa and Scott's pi.

Undefined results
-----------------
Every coefficient is a ``Coefficient(value, reason, exact)``: ``value`` is a float or
``None``; ``reason`` says why it is ``None`` ("no variation: no layer coded this code") or
which convention produced it (NVivo's kappa = 1). Nothing silently becomes 0 or 1.
``exact`` holds the ``Fraction`` the float was rounded from: the engine counts with ints and
``Fraction`` and converts to float only at the end.

Cost is linear in the number of spans (plus a sort): O(S log S + B m) per code.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import accumulate

Code = str | int
Key = Hashable

# Prevalence flag (DEFINITIONS section 1.3): high raw agreement with a low chance-corrected
# coefficient usually means a rare code, not careless coders.
PREVALENCE_MIN_AGREEMENT = Fraction(9, 10)
PREVALENCE_MAX_COEFFICIENT = Fraction(6, 10)

OVERLAP_MEASURES = ("iou",)

NOBODY_CODED = "no variation: no layer coded this code"
EVERYTHING_CODED = "no variation: every layer coded every character"
NO_PAIRABLE = "no characters rated by two or more of the compared layers"


# --------------------------------------------------------------------------------------------
# Input and output types


@dataclass(frozen=True, slots=True)
class Span:
    layer: str
    code: Code
    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(
                f"span {self.start}-{self.end} of layer {self.layer!r}, code {self.code!r}: "
                "need 0 <= start < end (zero-length spans are not allowed)"
            )


@dataclass(frozen=True)
class Document:
    length: int
    spans: Sequence[Span] = ()
    layers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.length < 0:
            raise ValueError("document length must be >= 0")
        if self.layers is not None:
            object.__setattr__(self, "layers", tuple(self.layers))
        allowed = None if self.layers is None else set(self.layers)
        for span in self.spans:
            if span.end > self.length:
                raise ValueError(
                    f"span {span.start}-{span.end} of layer {span.layer!r} ends after the "
                    f"document (length {self.length})"
                )
            if allowed is not None and span.layer not in allowed:
                raise ValueError(
                    f"span {span.start}-{span.end} belongs to layer {span.layer!r}, which is "
                    f"not among the document's layers {self.layers!r}"
                )


@dataclass(frozen=True)
class Coefficient:
    """A coefficient, or ``None`` with the reason; ``reason`` also names any convention."""

    value: float | None
    reason: str = ""
    exact: Fraction | None = field(default=None, repr=False, compare=False)

    @property
    def defined(self) -> bool:
        return self.value is not None


def _value(exact: Fraction | int, reason: str = "") -> Coefficient:
    exact = Fraction(exact)
    return Coefficient(float(exact), reason, exact)


def _undefined(reason: str) -> Coefficient:
    return Coefficient(None, reason, None)


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
# Shared preparation of span data


def _items(documents: Mapping[Key, Document] | Sequence[Document]) -> list[tuple[Key, Document]]:
    if isinstance(documents, Mapping):
        return list(documents.items())
    return list(enumerate(documents))


def _resolve(
    items: list[tuple[Key, Document]],
    layers: Sequence[str] | None,
    codes: Sequence[Code] | None,
) -> tuple[tuple[str, ...], tuple[Code, ...]]:
    if layers is None:
        seen: dict[str, None] = {}
        for _, doc in items:
            for layer in doc.layers or ():
                seen.setdefault(layer, None)
            for span in doc.spans:
                seen.setdefault(span.layer, None)
        layers = tuple(seen)
    else:
        layers = tuple(layers)
        if len(set(layers)) != len(layers):
            raise ValueError(f"layers listed twice: {layers!r}")
    if codes is None:
        wanted = set(layers)
        seen_codes: dict[Code, None] = {}
        for _, doc in items:
            for span in doc.spans:
                if span.layer in wanted:
                    seen_codes.setdefault(span.code, None)
        codes = tuple(seen_codes)
    else:
        codes = tuple(dict.fromkeys(codes))
    return layers, codes


def _present(doc: Document, layers: tuple[str, ...]) -> tuple[str, ...]:
    if doc.layers is None:
        return layers
    worked = set(doc.layers)
    return tuple(layer for layer in layers if layer in worked)


def _bucket(
    doc: Document, present: tuple[str, ...], codes: tuple[Code, ...]
) -> dict[Code, list[list[tuple[int, int]]]]:
    """Raw intervals per code and per present layer (index into ``present``)."""
    position = {layer: i for i, layer in enumerate(present)}
    wanted = set(codes)
    m = len(present)
    buckets: dict[Code, list[list[tuple[int, int]]]] = {}
    for span in doc.spans:
        i = position.get(span.layer)
        if i is None or span.code not in wanted:
            continue
        per_layer = buckets.get(span.code)
        if per_layer is None:
            per_layer = buckets[span.code] = [[] for _ in range(m)]
        per_layer[i].append((span.start, span.end))
    return buckets


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character-level normalisation: overlapping and touching intervals are united."""
    if len(intervals) <= 1:
        return intervals
    intervals = sorted(intervals)
    out = [intervals[0]]
    for start, end in intervals[1:]:
        last_start, last_end = out[-1]
        if start <= last_end:
            if end > last_end:
                out[-1] = (last_start, end)
        else:
            out.append((start, end))
    return out


def _units(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Unit-level normalisation: overlapping intervals merge, touching ones stay separate."""
    if len(intervals) <= 1:
        return intervals
    intervals = sorted(intervals)
    out = [intervals[0]]
    for start, end in intervals[1:]:
        last_start, last_end = out[-1]
        if start < last_end:
            if end > last_end:
                out[-1] = (last_start, end)
        else:
            out.append((start, end))
    return out


def _coverage_profile(united: list[list[tuple[int, int]]], length: int) -> list[int]:
    """w(k): characters covered by exactly k of the layers (each layer's list disjoint)."""
    m = len(united)
    w = [0] * (m + 1)
    events: list[tuple[int, int]] = []
    for intervals in united:
        for start, end in intervals:
            events.append((start, 1))
            events.append((end, -1))
    if not events:
        w[0] = length
        return w
    events.sort()
    previous = 0
    k = 0
    for position, delta in events:
        if position != previous:
            w[k] += position - previous
            previous = position
        k += delta
    w[0] += length - previous
    return w


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
