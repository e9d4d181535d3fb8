"""Inter-coder agreement engine: pure functions over plain data. This module: the input
types and the preparation of span data every measure family shares.

No Django and no database: views and exports build the input, call one function and render
the frozen dataclasses it returns. Formulas and conventions follow
``docs/agreement/DEFINITIONS.md`` (section numbers below refer to it); ``cases.json``
beside it holds the worked examples the tests reproduce.

Modules: :mod:`~coding.agreement.spans` (input), :mod:`~coding.agreement.coefficient`
(``Coefficient``), :mod:`~coding.agreement.character_level`,
:mod:`~coding.agreement.unitizing` (alpha_U and the 2019 u-alpha),
:mod:`~coding.agreement.segment_matching`, :mod:`~coding.agreement.expert` (alpha_U, u-alpha
and segment matching from one preparation, as the report needs them) and
:mod:`~coding.agreement.units_by_coders` (pre-segmented data).

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
``Fraction`` and converts to float only at the end. The span measures keep ints per span and
per comparison (ratios compared by cross-multiplying, numerators summed over their common
denominator) and build ``Fraction`` values per code and overall.

Cost is linear in the number of spans (plus a sort): O(S log S + B m) per code.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Code = str | int
Key = Hashable


# --------------------------------------------------------------------------------------------
# Input types


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


class _Pair:
    """One merge pass over two layers' sorted, disjoint units of one code (:func:`_pair`)."""

    __slots__ = ("delta", "overlap", "matched", "best_a", "best_b")

    def __init__(self, delta: int, overlap: int, matched, best_a, best_b) -> None:
        self.delta = delta  # alpha_U: sum of delta^2 over the pairs and the lone units
        self.overlap = overlap  # characters both layers coded
        self.matched = matched  # units of a and of b with a partner at the threshold
        self.best_a = best_a  # per unit of a: (intersection, union, partner in b or -1)
        self.best_b = best_b


def _pair(
    a: list[tuple[int, int]],
    b: list[tuple[int, int]],
    threshold: tuple[int, int] | None = None,
    best: bool = False,
) -> _Pair:
    """Walk two layers' units of one code once, for alpha_U, u-alpha and segment matching.

    Each list is sorted and disjoint, so one merge pass meets every intersecting pair. A
    pair adds (start_a - start_b)^2 + (end_a - end_b)^2 to delta and its intersection to
    overlap; a unit that meets no unit of the other layer lies inside one of its gaps and
    adds its length squared. With ``threshold = (p, q)``, ``matched`` counts the units of
    each layer with a partner whose intersection over union is at least p/q (compared in
    integers: i x q >= p x u), which is whether the best partner reaches it. ``best=True``
    also keeps each unit's best partner, ``(intersection, union, partner)`` with
    i/u > i'/u' when i x u' > i' x u; (0, 1, -1): none.
    """
    if best:
        return _best_pair(a, b, threshold)
    hit_a = bytearray(len(a))  # 0: meets nothing, 1: meets a unit, 2: matched
    hit_b = bytearray(len(b))
    p, q = threshold if threshold is not None else (1, 0)  # 1 x u > i x 0: never matched
    delta = overlap = 0
    i = j = 0
    n_a, n_b = len(a), len(b)
    while i < n_a and j < n_b:
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        inter = (a_end if a_end < b_end else b_end) - (a_start if a_start > b_start else b_start)
        if inter > 0:
            delta += (a_start - b_start) ** 2 + (a_end - b_end) ** 2
            overlap += inter
            if inter * q >= p * ((a_end - a_start) + (b_end - b_start) - inter):
                hit_a[i] = hit_b[j] = 2
            else:
                if not hit_a[i]:
                    hit_a[i] = 1
                if not hit_b[j]:
                    hit_b[j] = 1
        if a_end < b_end:
            i += 1
        elif b_end < a_end:
            j += 1
        else:
            i += 1
            j += 1
    for units, hits in ((a, hit_a), (b, hit_b)):
        if hits.count(0):
            for (start, end), hit in zip(units, hits, strict=True):
                if not hit:
                    delta += (end - start) ** 2
    return _Pair(delta, overlap, (hit_a.count(2), hit_b.count(2)), None, None)


def _best_pair(
    a: list[tuple[int, int]], b: list[tuple[int, int]], threshold: tuple[int, int] | None
) -> _Pair:
    """:func:`_pair` keeping every unit's best partner (segment records)."""
    best_a = [(0, 1, -1)] * len(a)
    best_b = [(0, 1, -1)] * len(b)
    delta = overlap = 0
    i = j = 0
    n_a, n_b = len(a), len(b)
    while i < n_a and j < n_b:
        a_start, a_end = a[i]
        b_start, b_end = b[j]
        inter = (a_end if a_end < b_end else b_end) - (a_start if a_start > b_start else b_start)
        if inter > 0:
            delta += (a_start - b_start) ** 2 + (a_end - b_end) ** 2
            overlap += inter
            union = (a_end - a_start) + (b_end - b_start) - inter
            current = best_a[i]
            if inter * current[1] > current[0] * union:
                best_a[i] = (inter, union, j)
            current = best_b[j]
            if inter * current[1] > current[0] * union:
                best_b[j] = (inter, union, i)
        if a_end < b_end:
            i += 1
        elif b_end < a_end:
            j += 1
        else:
            i += 1
            j += 1
    for units, best in ((a, best_a), (b, best_b)):
        for (start, end), (_, _, partner) in zip(units, best, strict=True):
            if partner < 0:
                delta += (end - start) ** 2
    matched = None
    if threshold is not None:
        p, q = threshold
        matched = tuple(
            sum(1 for i, u, _ in side if i and i * q >= p * u) for side in (best_a, best_b)
        )
    return _Pair(delta, overlap, matched, best_a, best_b)


class _Prepared:
    """One document made ready for the unit-level measures (alpha_U, u-alpha, segment
    matching): its present layers and, per code with spans, each present layer's units
    (:func:`_units`). Documents on which fewer than two compared layers worked have no units.
    With two layers, :meth:`pair` walks a code's units once for every measure."""

    __slots__ = ("key", "length", "present", "units", "pairs", "threshold", "best")

    def __init__(
        self,
        key: Key,
        length: int,
        present: tuple[str, ...],
        units: dict,
        threshold: tuple[int, int] | None,
        best: bool,
    ) -> None:
        self.key = key
        self.length = length
        self.present = present
        self.units: dict[Code, list[list[tuple[int, int]]]] = units
        self.pairs: dict[Code, _Pair] = {}
        self.threshold = threshold  # segment matching's p/q, as (p, q)
        self.best = best  # keep each unit's best partner (segment records)

    def pair(self, code: Code) -> _Pair:
        """The merge pass of the code's units, for a document two layers worked on; made
        once and shared by the measures."""
        pair = self.pairs.get(code)
        if pair is None:
            a, b = self.units[code]
            pair = self.pairs[code] = _pair(a, b, self.threshold, self.best)
        return pair


def _prepare(
    items: list[tuple[Key, Document]],
    layers: tuple[str, ...],
    codes: tuple[Code, ...],
    threshold: tuple[int, int] | None = None,
    best: bool = False,
    groups: Mapping[Code, Sequence[Code]] | None = None,
) -> list[_Prepared]:
    """Bucket and normalise every document once, for any number of unit-level measures;
    ``threshold`` and ``best`` are for segment matching (see :func:`_pair`).

    ``groups``: each code of ``codes`` stands for the spans of the codes listed for it, as
    if every such span were repeated under it (a parent code and its subtree). A layer's
    units of the group are the units of the members' units pooled: merging overlapping
    intervals in steps gives the same units as merging them at once.
    """
    members = None
    if groups is not None:
        members = {code: tuple(groups[code]) for code in codes}
        wanted = tuple(dict.fromkeys(c for group in members.values() for c in group))
    out = []
    for key, doc in items:
        present = _present(doc, layers)
        units: dict[Code, list[list[tuple[int, int]]]] = {}
        if len(present) >= 2 and members is None:
            for code, raw in _bucket(doc, present, codes).items():
                units[code] = [_units(intervals) for intervals in raw]
        elif len(present) >= 2:
            own = {
                code: [_units(intervals) for intervals in raw]
                for code, raw in _bucket(doc, present, wanted).items()
            }
            for code in codes:
                parts = [own[c] for c in members[code] if c in own]
                if len(parts) == 1:
                    units[code] = parts[0]
                elif parts:
                    units[code] = [
                        _units([u for part in parts for u in part[i]]) for i in range(len(present))
                    ]
        out.append(_Prepared(key, doc.length, present, units, threshold, best))
    return out
