"""The engine against independent implementations, on random data with fixed seeds."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

from coding.agreement.character_level import character_agreement
from coding.agreement.spans import Document, Span
from coding.agreement.units_by_coders import (
    category_counts_coefficients,
    contingency_table_coefficients,
    reliability_matrix_coefficients,
)

SEEDS = range(25)
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def random_matrix(rng: random.Random, values: list, missing: float = 0.25) -> list[list]:
    """A units x coders matrix with missing values (None)."""
    n_units = rng.randint(2, 30)
    n_coders = rng.randint(2, 6)
    # A few dominant values make agreement (and some zero-variation units) likely.
    weights = [rng.random() + 0.05 for _ in values]
    return [
        [
            None if rng.random() < missing else rng.choices(values, weights)[0]
            for _ in range(n_coders)
        ]
        for _ in range(n_units)
    ]


def reference_alpha(matrix: list[list], level: str) -> float | None:
    data = np.array(
        [[np.nan if v is None else v for v in row] for row in matrix], dtype=float
    ).T  # krippendorff wants coders x units
    try:
        value = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    except ValueError:  # "There has to be more than one value in the domain."
        return None
    return None if np.isnan(value) else float(value)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_the_krippendorff_package(seed, level):
    rng = random.Random(seed * 31 + LEVELS.index(level))
    values = [1, 2, 3, 4, 5, 7] if level == "ratio" else [0, 1, 2, 3, 5]
    matrix = random_matrix(rng, rng.sample(values, rng.randint(2, len(values))))
    ours = reliability_matrix_coefficients(matrix).alpha(level)
    theirs = reference_alpha(matrix, level)
    if ours.value is None:
        # Undefined here means no pairable variation; the package raises or returns NaN.
        pairable = [[v for v in row if v is not None] for row in matrix]
        pairable = [row for row in pairable if len(row) >= 2]
        assert len({v for row in pairable for v in row}) <= 1, ours.reason
        return
    assert theirs is not None
    assert ours.value == pytest.approx(theirs, abs=1e-9)


def test_ratio_alpha_with_zeros_matches_the_krippendorff_package():
    matrix = [[0, 0], [1, 2], [2, 2], [0, 1], [3, None], [0, 3]]
    ours = reliability_matrix_coefficients(matrix).alpha_ratio.value
    assert ours == pytest.approx(reference_alpha(matrix, "ratio"), abs=1e-9)


def random_document(rng: random.Random, layers: list[str], codes: list) -> Document:
    length = rng.randint(1, 80)
    spans = []
    for _ in range(rng.randint(0, 14)):
        start = rng.randrange(length)
        end = rng.randint(start + 1, min(length, start + 30))
        spans.append(Span(rng.choice(layers), rng.choice(codes), start, end))
    worked = [layer for layer in layers if rng.random() < 0.85]
    worked_set = set(worked)
    spans = [s for s in spans if s.layer in worked_set]
    return Document(length, spans, tuple(worked))


def per_character(docs: list[Document], layers: list[str], code) -> np.ndarray:
    """Layers x characters of all documents: 1 coded, 0 not coded, NaN layer missing."""
    columns = []
    for doc in docs:
        block = np.full((len(layers), doc.length), np.nan)
        for i, layer in enumerate(layers):
            if layer in doc.layers:
                block[i, :] = 0
        for span in doc.spans:
            if span.code == code:
                block[layers.index(span.layer), span.start : span.end] = 1
        columns.append(block)
    return np.concatenate(columns, axis=1)


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_character_alpha_matches_the_krippendorff_package(seed):
    rng = random.Random(1000 + seed)
    layers = ["A", "B", "C", "D"][: rng.randint(2, 4)]
    codes = ["x", "y"]
    docs = [random_document(rng, layers, codes) for _ in range(rng.randint(1, 4))]
    result = character_agreement(docs, layers, codes)
    for code in codes:
        data = per_character(docs, layers, code)
        ours = result.per_code[code].alpha_binary
        try:
            theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        except ValueError:
            theirs = float("nan")
        if ours.value is None:
            assert np.isnan(theirs), ours.reason
        else:
            assert ours.value == pytest.approx(theirs, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_character_cohen_kappa_matches_scikit_learn(seed):
    rng = random.Random(2000 + seed)
    layers = ["A", "B"]
    docs = [random_document(rng, layers, ["x"]) for _ in range(rng.randint(1, 4))]
    result = character_agreement(docs, layers, ["x"])
    data = per_character(docs, layers, "x")
    both = ~np.isnan(data).any(axis=0)
    a, b = data[0, both], data[1, both]
    kappa = result.per_code["x"].cohen_kappa
    counts = result.per_code["x"].counts
    assert counts.n11 + counts.n10 + counts.n01 + counts.n00 == both.sum()
    if both.sum() == 0:
        assert kappa.value is None
    elif len(set(a) | set(b)) == 1:
        assert kappa.value == 1.0  # NVivo: complete agreement, p_e = 1
    else:
        assert kappa.value == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_character_fleiss_kappa_matches_statsmodels(seed):
    rng = random.Random(3000 + seed)
    layers = ["A", "B", "C", "D"][: rng.randint(2, 4)]
    docs = [random_document(rng, layers, ["x"]) for _ in range(rng.randint(1, 3))]
    docs = [Document(d.length, d.spans) for d in docs]  # statsmodels needs every rater
    result = character_agreement(docs, layers, ["x"])
    data = per_character([Document(d.length, d.spans, tuple(layers)) for d in docs], layers, "x")
    table, _ = aggregate_raters(data.T.astype(int), n_cat=2)
    ours = result.per_code["x"].fleiss_kappa
    if ours.value is None:
        assert (table.max(axis=1) == len(layers)).all()
        assert len({tuple(row) for row in table}) == 1
    else:
        assert ours.value == pytest.approx(fleiss_kappa(table), abs=1e-9)


def random_pairs(rng: random.Random, categories: list) -> list[list]:
    n = rng.randint(2, 60)
    weights = [rng.random() + 0.1 for _ in categories]
    rows = []
    for _ in range(n):
        a = rng.choices(categories, weights)[0]
        b = a if rng.random() < 0.5 else rng.choices(categories, weights)[0]
        rows.append([a, b])
    return rows


@pytest.mark.parametrize("seed", SEEDS)
def test_two_coder_kappa_matches_scikit_learn_and_statsmodels(seed):
    rng = random.Random(4000 + seed)
    categories = ["a", "b", "c", "d"][: rng.randint(2, 4)]
    rows = random_pairs(rng, categories)
    a = [row[0] for row in rows]
    b = [row[1] for row in rows]
    from_matrix = reliability_matrix_coefficients(rows)
    table = [[sum(1 for x, y in rows if x == i and y == j) for j in categories] for i in categories]
    from_table = contingency_table_coefficients(table, categories=categories)
    if len(set(a)) == len(set(b)) == 1 and a[0] == b[0]:
        assert from_matrix.cohen_kappa.value is None
        assert from_table.cohen_kappa.value is None
        return
    expected = cohen_kappa_score(a, b)
    assert from_matrix.cohen_kappa.value == pytest.approx(expected, abs=1e-9)
    assert from_table.cohen_kappa.value == pytest.approx(expected, abs=1e-9)
    assert from_table.cohen_kappa.value == pytest.approx(
        cohens_kappa(np.array(table), return_results=False), abs=1e-9
    )
    # Two raters: Scott's pi is Fleiss' kappa, Brennan-Prediger is the "randolph" kappa.
    counts = np.array([[row.count(c) for c in categories] for row in rows])
    assert from_table.scott_pi.value == pytest.approx(fleiss_kappa(counts), abs=1e-9)
    assert from_table.brennan_prediger.value == pytest.approx(
        fleiss_kappa(counts, method="randolph"), abs=1e-9
    )


def gwet_ac1(counts: np.ndarray) -> float:
    """Gwet (2008) AC1 from units x categories counts, written from the formula."""
    r = counts.sum(axis=1)
    rated = counts[r >= 1]
    r1 = rated.sum(axis=1)
    pi = (rated / r1[:, None]).mean(axis=0)
    two = counts[r >= 2]
    r2 = two.sum(axis=1)
    pa = ((two * (two - 1)).sum(axis=1) / (r2 * (r2 - 1))).mean()
    q = counts.shape[1]
    pe = (pi * (1 - pi)).sum() / (q - 1)
    return (pa - pe) / (1 - pe)


@pytest.mark.parametrize("seed", SEEDS)
def test_multi_rater_coefficients_match_statsmodels(seed):
    rng = random.Random(5000 + seed)
    categories = [1, 2, 3, 4, 5][: rng.randint(2, 5)]
    raters = rng.randint(2, 7)
    weights = [rng.random() + 0.1 for _ in categories]
    matrix = [rng.choices(categories, weights, k=raters) for _ in range(rng.randint(2, 40))]
    counts = np.array([[row.count(c) for c in categories] for row in matrix])
    from_counts = category_counts_coefficients(counts.tolist(), categories=categories)
    from_matrix = reliability_matrix_coefficients(matrix, categories=categories)
    for result in (from_counts, from_matrix):
        if len({v for row in matrix for v in row}) == 1:
            assert result.fleiss_kappa.value is None
        else:
            assert result.fleiss_kappa.value == pytest.approx(fleiss_kappa(counts), abs=1e-9)
        assert result.brennan_prediger.value == pytest.approx(
            fleiss_kappa(counts, method="randolph"), abs=1e-9
        )
        assert result.gwet_ac1.value == pytest.approx(gwet_ac1(counts), abs=1e-9)
        expected_alpha = reference_alpha(matrix, "nominal")
        if expected_alpha is None:
            assert result.alpha_nominal.value is None
        else:
            assert result.alpha_nominal.value == pytest.approx(expected_alpha, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_ac1_with_missing_ratings_matches_the_formula(seed):
    rng = random.Random(6000 + seed)
    categories = ["p", "q", "r"]
    matrix = random_matrix(rng, categories, missing=0.3)
    result = reliability_matrix_coefficients(matrix, categories=categories)
    counts = np.array([[row.count(c) for c in categories] for row in matrix])
    if not (counts.sum(axis=1) >= 2).any():
        assert result.gwet_ac1.value is None
    else:
        assert result.gwet_ac1.value == pytest.approx(gwet_ac1(counts), abs=1e-9)
