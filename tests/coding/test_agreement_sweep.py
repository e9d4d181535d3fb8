"""The interval sweep against per-character and all-pairs oracles written here."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coding.agreement.character_level import character_agreement
from coding.agreement.segment_matching import segment_matching
from coding.agreement.spans import Document, Span
from coding.agreement.unitizing import u_alpha_2019, unitizing_alpha

CODES = ["x", "y", 7]
ALL_CODES = [*CODES, "unused"]
LAYERS = ["A", "B", "C", "D"]
# database=None: nothing is written into the repository; failures print their example.
FAST = settings(max_examples=250, deadline=None, database=None)


@st.composite
def spans(draw, length: int, layers: list[str], max_spans: int = 10) -> list[Span]:
    out = []
    for _ in range(draw(st.integers(0, max_spans))):
        start = draw(st.integers(0, length - 1))
        end = draw(st.integers(start + 1, length))
        out.append(Span(draw(st.sampled_from(layers)), draw(st.sampled_from(CODES)), start, end))
    # Duplicates and touching neighbours exercise the normalisation rules.
    if out and draw(st.booleans()):
        s = out[0]
        out.append(Span(s.layer, s.code, s.start, s.end))
        if s.end < length:
            out.append(Span(s.layer, s.code, s.end, draw(st.integers(s.end + 1, length))))
    return out


@st.composite
def studies(draw, missing: bool = True, min_layers: int = 2, max_layers: int = 4):
    layers = LAYERS[: draw(st.integers(min_layers, max_layers))]
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        length = draw(st.integers(1, 60))
        worked = layers
        if missing and draw(st.booleans()):
            worked = [layer for layer in layers if draw(st.booleans())]
        docs.append(
            Document(length, draw(spans(length, worked or layers)) if worked else [], tuple(worked))
        )
    return layers, docs


# ---- per-character oracle -------------------------------------------------------------------


def ratings(docs: list[Document], layers: list[str], code) -> list[list[int]]:
    """Per character of every document: the 0/1 ratings of the layers that worked on it."""
    rows = []
    for doc in docs:
        present = [layer for layer in layers if layer in doc.layers]
        for position in range(doc.length):
            rows.append(
                [
                    int(
                        any(
                            s.layer == layer and s.code == code and s.start <= position < s.end
                            for s in doc.spans
                        )
                    )
                    for layer in present
                ]
            )
    return rows


def oracle_percent_agreement(rows):
    pairable = [row for row in rows if len(row) >= 2]
    if not pairable:
        return None
    total = Fraction(0)
    for row in pairable:
        r = len(row)
        total += Fraction(sum(row.count(v) * (row.count(v) - 1) for v in (0, 1)), r * (r - 1))
    return total / len(pairable)


def oracle_alpha(rows):
    """Krippendorff's alpha from the coincidence matrix, binary values."""
    o = {(a, b): Fraction(0) for a in (0, 1) for b in (0, 1)}
    for row in rows:
        m = len(row)
        if m < 2:
            continue
        for i in range(m):
            for j in range(m):
                if i != j:
                    o[(row[i], row[j])] += Fraction(1, m - 1)
    n_c = {v: o[(v, 0)] + o[(v, 1)] for v in (0, 1)}
    n = n_c[0] + n_c[1]
    expected = 2 * n_c[0] * n_c[1]
    if expected == 0:
        return None
    return 1 - (n - 1) * 2 * o[(0, 1)] / expected


def oracle_fleiss(rows):
    rated = [row for row in rows if row]
    pa = oracle_percent_agreement(rows)
    if pa is None:
        return None
    pi = sum((Fraction(sum(row), len(row)) for row in rated), Fraction(0)) / len(rated)
    pe = pi**2 + (1 - pi) ** 2
    return None if pe == 1 else (pa - pe) / (1 - pe)


def oracle_cohen(rows):
    both = [row for row in rows if len(row) == 2]
    if not both:
        return None
    n = len(both)
    p_o = Fraction(sum(a == b for a, b in both), n)
    p_a = Fraction(sum(a for a, _ in both), n)
    p_b = Fraction(sum(b for _, b in both), n)
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    return Fraction(1) if p_e == 1 else (p_o - p_e) / (1 - p_e)


def same(coefficient, exact) -> bool:
    if exact is None:
        return coefficient.value is None and coefficient.reason
    return coefficient.exact == exact and coefficient.value == float(exact)


@FAST
@given(studies())
def test_character_coefficients_equal_the_per_character_oracle(study):
    layers, docs = study
    result = character_agreement(docs, layers, ALL_CODES)
    for code in ALL_CODES:
        pooled = result.per_code[code]
        rows = ratings(docs, layers, code)
        assert same(pooled.percent_agreement, oracle_percent_agreement(rows))
        assert same(pooled.alpha_binary, oracle_alpha(rows))
        assert same(pooled.fleiss_kappa, oracle_fleiss(rows))
        if len(layers) == 2:
            assert same(pooled.cohen_kappa, oracle_cohen(rows))
            counts = pooled.counts
            assert counts.n11 == sum(1 for row in rows if row == [1, 1])
            assert counts.n10 == sum(1 for row in rows if row == [1, 0])
        else:
            assert pooled.cohen_kappa.value is None
        for key, doc in enumerate(docs):
            doc_rows = ratings([doc], layers, code)
            per_doc = result.per_document[key][code]
            assert same(per_doc.alpha_binary, oracle_alpha(doc_rows))
            assert same(per_doc.percent_agreement, oracle_percent_agreement(doc_rows))
            assert same(per_doc.fleiss_kappa, oracle_fleiss(doc_rows))


def concatenate(docs: list[Document]) -> Document:
    spans, offset = [], 0
    for doc in docs:
        spans += [Span(s.layer, s.code, s.start + offset, s.end + offset) for s in doc.spans]
        offset += doc.length
    return Document(offset, spans)


@FAST
@given(studies(missing=False))
def test_pooled_results_equal_the_concatenated_documents(study):
    layers, docs = study
    whole = [concatenate(docs)]
    docs = [Document(d.length, d.spans) for d in docs]
    pooled = character_agreement(docs, layers, ALL_CODES).per_code
    joined = character_agreement(whole, layers, ALL_CODES).per_code
    for code in ALL_CODES:
        for name in ("percent_agreement", "cohen_kappa", "alpha_binary", "fleiss_kappa"):
            assert getattr(pooled[code], name).exact == getattr(joined[code], name).exact
        assert pooled[code].counts.w == joined[code].counts.w
    u_pooled = u_alpha_2019(docs, layers, ALL_CODES)
    u_joined = u_alpha_2019(whole, layers, ALL_CODES)
    for code in ALL_CODES:
        assert u_pooled.per_code[code].alpha.exact == u_joined.per_code[code].alpha.exact
    # D_o does not depend on where gaps end, so it pools exactly too (D_e does not: gaps
    # stop at document boundaries).
    a_pooled = unitizing_alpha(docs, layers, ALL_CODES)
    a_joined = unitizing_alpha(whole, layers, ALL_CODES)
    for code in ALL_CODES:
        assert a_pooled.per_code[code].exact_d_o == a_joined.per_code[code].exact_d_o


# ---- unit-level oracles ---------------------------------------------------------------------


def oracle_units(doc: Document, layer: str, code) -> list[tuple[int, int]]:
    """Merge overlapping spans pairwise until none overlap; touching ones stay apart."""
    units = [(s.start, s.end) for s in doc.spans if s.layer == layer and s.code == code]
    merged = True
    while merged:
        merged = False
        for i in range(len(units)):
            for j in range(i + 1, len(units)):
                (a, b), (c, d) = units[i], units[j]
                if a < d and c < b:
                    units[i] = (min(a, c), max(b, d))
                    del units[j]
                    merged = True
                    break
            if merged:
                break
    return sorted(units)


def oracle_gaps(units: list[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    covered = [any(s <= p < e for s, e in units) for p in range(length)]
    gaps, start = [], None
    for p in range(length + 1):
        inside = p < length and not covered[p]
        if inside and start is None:
            start = p
        elif not inside and start is not None:
            gaps.append((start, p))
            start = None
    return gaps


def oracle_delta(doc: Document, layers: list[str], code) -> int:
    """Sum of delta^2 over all pairs of sections of two layers (section 3.6), all pairs."""
    sections = {}
    for layer in layers:
        units = oracle_units(doc, layer, code)
        sections[layer] = [(u, True) for u in units] + [
            (g, False) for g in oracle_gaps(units, doc.length)
        ]
    total = 0
    for i, first in enumerate(layers):
        for second in layers[i + 1 :]:
            for g, g_unit in sections[first]:
                for h, h_unit in sections[second]:
                    if not (g[0] < h[1] and h[0] < g[1]):
                        continue
                    if g_unit and h_unit:
                        total += (g[0] - h[0]) ** 2 + (g[1] - h[1]) ** 2
                    elif g_unit and h[0] <= g[0] and g[1] <= h[1]:
                        total += (g[1] - g[0]) ** 2
                    elif h_unit and g[0] <= h[0] and h[1] <= g[1]:
                        total += (h[1] - h[0]) ** 2
    return total


def oracle_expected(docs, layers, code) -> Fraction:
    """D_e of section 3.6 term by term (gaps of each document kept separate)."""
    units, gaps, length, rated = [], [], 0, 0
    for doc in docs:
        present = [layer for layer in layers if layer in doc.layers]
        if len(present) < 2:
            continue
        length += doc.length
        rated += len(present) * doc.length
        for layer in present:
            own = oracle_units(doc, layer, code)
            units += [e - s for s, e in own]
            gaps += [e - s for s, e in oracle_gaps(own, doc.length)]
    if not units:
        return Fraction(0)
    n = len(units)
    numerator = Fraction(0)
    for lu in units:
        numerator += Fraction((n - 1) * (2 * lu**3 - 3 * lu**2 + lu), 3)
        numerator += lu**2 * sum(lg - lu + 1 for lg in gaps if lg >= lu)
    return Fraction(2, length) * numerator / (rated * (rated - 1) - sum(u * (u - 1) for u in units))


@FAST
@given(studies())
def test_unitizing_alpha_equals_all_pairs_enumeration(study):
    layers, docs = study
    result = unitizing_alpha(docs, layers, ALL_CODES)
    for code in ALL_CODES:
        delta = pairs_length = length = 0
        for key, doc in enumerate(docs):
            present = [layer for layer in layers if layer in doc.layers]
            m = len(present)
            per_doc = result.per_document[key].per_code[code]
            if m < 2:
                assert per_doc.alpha.value is None
                continue
            doc_delta = oracle_delta(doc, present, code)
            assert per_doc.exact_d_o == Fraction(doc_delta * 2, m * (m - 1) * doc.length**2)
            assert per_doc.exact_d_e == oracle_expected([doc], layers, code)
            delta += doc_delta
            pairs_length += m * (m - 1) // 2 * doc.length
            length += doc.length
        pooled = result.per_code[code]
        if length == 0:
            assert pooled.alpha.value is None
            continue
        assert pooled.exact_d_o == Fraction(delta, pairs_length * length)
        d_e = oracle_expected(docs, layers, code)
        assert pooled.exact_d_e == d_e
        if d_e == 0:
            assert pooled.alpha.value is None and pooled.alpha.reason
        else:
            assert pooled.alpha.exact == 1 - pooled.exact_d_o / d_e


def oracle_u_alpha(docs, layers, value_of, unit_squares) -> Fraction | None:
    """Eq. 32/33: per-character coincidences l_ck, K_v from the units, K_phi = gap length."""
    coincidences: dict[tuple, Fraction] = {}
    for doc in docs:
        present = [layer for layer in layers if layer in doc.layers]
        m = len(present)
        if m < 2:
            continue
        for position in range(doc.length):
            values = [value_of(doc, layer, position) for layer in present]
            for i in range(m):
                for j in range(m):
                    if i != j:
                        pair = (values[i], values[j])
                        coincidences[pair] = coincidences.get(pair, 0) + Fraction(1, m - 1)
    total = sum(coincidences.values())
    if total == 0:
        return None
    marginal: dict = {}
    for (c, _), v in coincidences.items():
        marginal[c] = marginal.get(c, 0) + v
    squares = unit_squares + marginal.get(None, 0)
    expected = sum(marginal[c] * marginal[k] for c in marginal for k in marginal if c != k)
    if expected == 0:
        return None
    expected /= total - squares / total
    observed = sum(v for (c, k), v in coincidences.items() if c != k)
    return 1 - observed / expected


def squares(docs, layers, codes) -> int:
    return sum(
        (e - s) ** 2
        for doc in docs
        for layer in layers
        if layer in doc.layers and len([x for x in layers if x in doc.layers]) >= 2
        for code in codes
        for s, e in oracle_units(doc, layer, code)
    )


@FAST
@given(studies())
def test_per_code_binary_u_alpha_equals_the_per_character_oracle(study):
    layers, docs = study
    result = u_alpha_2019(docs, layers, ALL_CODES)
    for code in ALL_CODES:

        def value_of(doc, layer, position, code=code):
            hit = any(
                s.layer == layer and s.code == code and s.start <= position < s.end
                for s in doc.spans
            )
            return code if hit else None

        expected = oracle_u_alpha(docs, layers, value_of, squares(docs, layers, [code]))
        assert same(result.per_code[code].alpha, expected)


@st.composite
def partitions(draw):
    """Each layer's continuum split into touching units and gaps: codes exclusive per layer."""
    layers = LAYERS[: draw(st.integers(2, 4))]
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        length = draw(st.integers(1, 60))
        spans = []
        for layer in layers:
            cuts = sorted(
                draw(st.sets(st.integers(1, length - 1), max_size=8)) if length > 1 else set()
            )
            for start, end in zip([0, *cuts], [*cuts, length], strict=True):
                code = draw(st.sampled_from([None, *CODES]))
                if code is not None:
                    spans.append(Span(layer, code, start, end))
        docs.append(Document(length, spans, tuple(layers)))
    return layers, docs


@FAST
@given(partitions())
def test_multi_valued_u_alpha_equals_the_per_character_oracle(study):
    layers, docs = study
    result = u_alpha_2019(docs, layers, CODES)
    assert result.is_partition

    def value_of(doc, layer, position):
        for s in doc.spans:
            if s.layer == layer and s.start <= position < s.end:
                return s.code
        return None

    def any_unit(doc, layer, position):
        return "unit" if value_of(doc, layer, position) is not None else None

    unit_squares = squares(docs, layers, CODES)
    assert same(result.u_alpha.alpha, oracle_u_alpha(docs, layers, value_of, unit_squares))
    assert same(result.u_alpha_binary.alpha, oracle_u_alpha(docs, layers, any_unit, unit_squares))


def test_overlapping_codes_leave_only_the_per_code_u_alpha():
    doc = Document(20, [Span("A", "x", 0, 10), Span("A", "y", 5, 15), Span("B", "x", 0, 10)])
    result = u_alpha_2019([doc], ["A", "B"], ["x", "y"])
    assert not result.is_partition
    assert result.u_alpha.alpha.value is None
    assert "overlap" in result.u_alpha.alpha.reason
    assert result.u_alpha_binary.alpha.value is None
    assert result.per_code["x"].alpha.value == 1.0


def oracle_matching(docs, layers, threshold: Fraction):
    """Every unit against every same-code unit of the other layer, IoU computed directly."""
    records = []
    for key, doc in enumerate(docs):
        for code in ALL_CODES:
            for layer, other in ((layers[0], layers[1]), (layers[1], layers[0])):
                theirs = oracle_units(doc, other, code)
                for s, e in oracle_units(doc, layer, code):
                    best = Fraction(0)
                    for t, f in theirs:
                        inter = len(set(range(s, e)) & set(range(t, f)))
                        union = len(set(range(s, e)) | set(range(t, f)))
                        best = max(best, Fraction(inter, union))
                    records.append((key, layer, code, s, e, best > 0 and best >= threshold))
    return sorted(records, key=repr)


@FAST
@given(studies(missing=False, max_layers=2), st.sampled_from(["0.5", "0.9", "1", "0.25"]))
def test_segment_matching_equals_brute_force(study, threshold):
    layers, docs = study
    result = segment_matching(docs, layers, ALL_CODES, min_overlap=threshold)
    got = sorted(
        ((r.document, r.layer, r.code, r.start, r.end, r.matched) for r in result.segments),
        key=repr,
    )
    expected = oracle_matching(docs, layers, Fraction(threshold))
    assert got == expected
    for code in ALL_CODES:
        n_agree = sum(1 for r in expected if r[2] == code and r[5])
        n_all = sum(1 for r in expected if r[2] == code)
        counts = result.per_code[code]
        assert (counts.n_agree, counts.n_agree + counts.n_disagree) == (n_agree, n_all)
    used = len({r[2] for r in expected})
    p_obs = Fraction(sum(1 for r in expected if r[5]), len(expected)) if expected else None
    assert same(result.segment_agreement, p_obs)
    kappa = (p_obs - Fraction(1, used)) / (1 - Fraction(1, used)) if used >= 2 else None
    assert same(result.kappa_bp, kappa)


def test_a_segment_record_names_its_closest_partner_even_below_the_threshold():
    doc = Document(400, [Span("A", "x", 200, 300), Span("B", "x", 211, 300)])
    result = segment_matching({"t1": doc}, ["A", "B"], min_overlap=0.9)
    first = result.segments[0]
    assert (first.document, first.layer, first.start, first.end) == ("t1", "A", 200, 300)
    assert first.matched_with is None
    assert first.closest == (211, 300)
    assert first.overlap == 0.89
    assert len(result.disagreements) == 2
    assert result.kappa_bp.value is None  # one code only: chance agreement 1/k = 1


def test_a_missing_layer_is_not_an_empty_layer():
    coded = Document(100, [Span("A", "x", 0, 50), Span("B", "x", 0, 50)])
    unopened = Document(100, [Span("A", "x", 0, 50)], layers=("A",))
    result = character_agreement({"t1": coded, "t2": unopened}, ["A", "B"], ["x"])
    assert result.per_code["x"].cohen_kappa.value == 1.0
    assert result.per_code["x"].counts.n11 == 50
    assert result.per_document["t2"]["x"].cohen_kappa.value is None
    treated_as_empty = character_agreement(
        [coded, Document(100, unopened.spans)], ["A", "B"], ["x"]
    )
    assert treated_as_empty.per_code["x"].cohen_kappa.value < 1


def test_nvivo_conventions_are_labelled():
    doc = Document(100, [Span("A", "rare", 0, 2)])
    result = character_agreement([doc], ["A", "B"], ["rare", "unused"]).per_code
    assert result["unused"].cohen_kappa.value == 1.0
    assert "neither layer coded" in result["unused"].cohen_kappa.reason
    assert result["unused"].alpha_binary.value is None
    assert result["rare"].cohen_kappa.value == 0.0
    assert "only A coded" in result["rare"].cohen_kappa.reason
    assert result["rare"].prevalence_warning  # 98% agreement, kappa 0


def test_it_rejects_spans_it_cannot_place():
    with pytest.raises(ValueError, match="zero-length"):
        Span("A", "x", 5, 5)
    with pytest.raises(ValueError, match="ends after the document"):
        Document(10, [Span("A", "x", 5, 11)])
    with pytest.raises(ValueError, match="not among the document's layers"):
        Document(10, [Span("C", "x", 0, 1)], layers=("A", "B"))
    with pytest.raises(ValueError, match="exactly two layers"):
        segment_matching([Document(10)], ["A", "B", "C"])
    with pytest.raises(ValueError, match="overlap_measure"):
        segment_matching([Document(10)], ["A", "B"], overlap_measure="dice")
