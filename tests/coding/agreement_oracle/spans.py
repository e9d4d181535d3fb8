"""Inter-coder agreement engine: pure functions over plain data. This module: the input
types and the preparation of span data every measure family shares.

No Django and no database: views and exports build the input, call one function and render
the frozen dataclasses it returns. Formulas and conventions follow
``docs/agreement/DEFINITIONS.md`` (section numbers below refer to it); ``cases.json``
beside it holds the worked examples the tests reproduce.

Modules: :mod:`~coding.agreement.spans` (input), :mod:`~coding.agreement.coefficient`
(``Coefficient``), :mod:`~coding.agreement.character_level`,
:mod:`~coding.agreement.unitizing` (alpha_U and the 2019 u-alpha),
:mod:`~coding.agreement.segment_matching` and :mod:`~coding.agreement.units_by_coders`
(pre-segmented data).

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
