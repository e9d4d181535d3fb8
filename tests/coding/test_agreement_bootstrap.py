"""Alpha's bootstrap confidence interval, resampling whole transcripts.

Checked against an independent implementation: the same seeded draws of transcript indices,
then, per replicate, the resampled characters as reliability data for the `krippendorff`
package and a plain-Python type-7 quantile.
"""

from __future__ import annotations

import random
import re

import krippendorff
import numpy as np
import pytest
from django.urls import reverse

from coding.agreement.bootstrap import alpha_intervals
from coding.agreement.spans import Document, Span
from coding.models import Assignment
from tests import factories

# Mixed scripts: offsets are code points (the emoji is one astral code point).
PIECES = [
    "I did not know my role. ",
    "我唔知自己嘅角色。",
    "It got better 😀 later. ",
    "同事信任我。",
]


def make_text(rng: random.Random, length: int = 150) -> str:
    text = ""
    while len(text) < length:
        text += rng.choice(PIECES)
    return text[:length]


def random_spans(rng: random.Random, length: int, n: int) -> list[tuple[int, int]]:
    spans = []
    for _ in range(n):
        start = rng.randrange(0, length - 12)
        spans.append((start, start + rng.randrange(4, 12)))
    return spans


def jitter(rng: random.Random, spans, length: int, noise: float):
    """The other coder: the same spans moved by up to ``noise`` x 10 characters, some dropped."""
    out = []
    for s, e in spans:
        if rng.random() < noise / 2:
            continue
        s2 = max(0, s + rng.randint(-int(10 * noise), int(10 * noise)))
        e2 = min(length, max(s2 + 1, e + rng.randint(-int(10 * noise), int(10 * noise))))
        out.append((s2, e2))
    return out


# --- the independent implementation ----------------------------------------------------


def covered(length: int, spans) -> list[float]:
    values = [0.0] * length
    for s, e in spans:
        for i in range(s, e):
            values[i] = 1.0
    return values


def krippendorff_alpha(rows: list[list[float]]) -> float | None:
    """The `krippendorff` package on layers x characters; None where it finds no variation."""
    data = np.array(rows, dtype=float)
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:
        return None


def type7(values: list[float], q: float) -> float:
    """Hyndman and Fan's type 7 quantile (R's and numpy's default), by hand."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])


def independent_interval(per_transcript: list[list[list[float]]], replicates: int, seed: int):
    """``per_transcript[t]``: the layers x characters matrix of transcript t (NaN where a
    layer is missing). Returns (low, high, dropped)."""
    t = len(per_transcript)
    picks = np.random.default_rng(seed).integers(0, t, size=(replicates, t))
    values, dropped = [], 0
    for row in picks:
        layers = len(per_transcript[0])
        rows = [[v for i in row for v in per_transcript[i][layer]] for layer in range(layers)]
        alpha = krippendorff_alpha(rows)
        if alpha is None:
            dropped += 1
        else:
            values.append(alpha)
    return type7(values, 0.025), type7(values, 0.975), dropped


# --- a study with varying agreement per transcript ----------------------------------------


@pytest.fixture
def varied(study, owner, coder, coder2):
    """bob and erin assigned to nine transcripts, agreeing well on some and badly on others; a rare
    code (Praise) on two; erin missing on a ninth; a tenth both were assigned and left empty."""
    rng = random.Random(14)
    g = factories.make_group(study, name="Peer workers")
    w = factories.make_wave(study, name="T1")
    x = factories.make_code(study, name="Role")
    y = factories.make_code(study, name="Trust", parent=x)
    z = factories.make_code(study, name="Praise")
    bob = factories.make_layer(study, coder)
    erin = factories.make_layer(study, coder2)
    spans: dict = {}
    transcripts = []
    for i in range(10):
        p = factories.make_participant(study, pseudonym=f"P{i:02d}", group=g)
        text = make_text(rng)
        t = factories.make_transcript(study, title=f"Interview {i:02d}", text=text, participant=p)
        t.wave = w
        t.save(update_fields=["wave"])
        transcripts.append(t)
        noise = [0.1, 0.2, 0.9, 0.3, 1.0, 0.1, 0.6, 0.2, 0.5, 0.5][i]
        Assignment.objects.create(layer=bob, transcript=t)
        if i != 8:  # erin is missing on Interview 08 (not assigned, nothing coded)
            Assignment.objects.create(layer=erin, transcript=t)
        if i == 9:  # assigned to both, nothing coded
            continue
        for code, n in ((x, 2), (y, 1), (z, 1 if i in (2, 5) else 0)):
            a = random_spans(rng, len(text), n)
            spans[(t, code, bob)] = a
            if i != 8:  # erin is missing on Interview 08
                spans[(t, code, erin)] = jitter(rng, a, len(text), noise)
    for (t, code, layer), ss in spans.items():
        for s, e in ss:
            factories.make_segment(t, code, layer, s, e)
    return {"t": transcripts, "codes": [x, y, z], "layers": [bob, erin], "spans": spans}


def code_spans(data, t, code, layer, *, rollup=True):
    codes = [code] + ([c for c in data["codes"] if c.parent_id == code.pk] if rollup else [])
    return [s for c in codes for s in data["spans"].get((t, c, layer), [])]


def compared(data):
    """The transcripts both layers worked on, in the report's order (title, then id)."""
    out = [t for i, t in enumerate(data["t"]) if i != 8]
    return sorted(out, key=lambda t: (t.title, t.pk))


def matrices(data, codes, *, rollup=True):
    """Per compared transcript, layers x characters of ``codes`` end to end."""
    out = []
    for t in compared(data):
        rows = []
        for layer in data["layers"]:
            row = []
            for code in codes:
                row += covered(t.length, code_spans(data, t, code, layer, rollup=rollup))
            rows.append(row)
        out.append(rows)
    return out


def api(client, study, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/studies/{study.pk}/agreement?{query}")


@pytest.mark.parametrize("seed", [1, 2026])
def test_its_intervals_equal_an_independent_transcript_bootstrap(owner_client, study, varied, seed):
    replicates = 300
    body = api(owner_client, study, layers="bob,erin", bootstrap=replicates, seed=seed).json()
    assert body["bootstrap"]["replicates"] == replicates and body["bootstrap"]["seed"] == seed
    by_code = {c["code_id"]: c for c in body["codes"]}
    for code in varied["codes"]:
        low, high, dropped = independent_interval(matrices(varied, [code]), replicates, seed)
        got = by_code[code.pk]
        assert got["alpha_ci"] == pytest.approx([low, high], abs=1e-9), code.name
        assert got["alpha_ci_dropped"] == dropped
    # The rare code is missing from some replicates: those are dropped and counted.
    assert by_code[varied["codes"][2].pk]["alpha_ci_dropped"] > 0
    # Overall: every used code's own spans (no rollup), each character x code a unit.
    low, high, dropped = independent_interval(
        matrices(varied, varied["codes"], rollup=False), replicates, seed
    )
    assert body["overall"]["alpha_ci"] == pytest.approx([low, high], abs=1e-9)
    assert body["overall"]["alpha_ci_dropped"] == dropped == 0


def test_its_point_estimate_is_the_reports_alpha(owner_client, study, varied):
    body = api(owner_client, study, layers="bob,erin", bootstrap=50).json()
    page = owner_client.get(
        reverse("coding:agreement_report", args=[study.pk]) + "?layers=bob&layers=erin"
    ).content.decode()
    for entry in body["codes"]:
        row = re.search(rf'<tr class="[^"]*" data-code="{entry["code_id"]}">(.*?)</tr>', page, re.S)
        shown = re.search(r'data-metric="alpha" data-value="([^"]*)"', row.group(1)).group(1)
        assert entry["alpha"] == float(shown)
    # And it equals alpha computed independently on the pooled characters.
    for code in varied["codes"]:
        rows = [sum((m[k] for m in matrices(varied, [code])), []) for k in (0, 1)]
        entry = next(c for c in body["codes"] if c["code_id"] == code.pk)
        assert entry["alpha"] == pytest.approx(krippendorff_alpha(rows), abs=1e-12)


def test_the_page_shows_each_interval_and_the_transcripts_it_rests_on(owner_client, study, varied):
    body = api(owner_client, study, layers="bob,erin", bootstrap=200, seed=7).json()
    page = owner_client.get(
        reverse("coding:agreement_report", args=[study.pk])
        + "?layers=bob&layers=erin&bootstrap=200&seed=7"
    ).content.decode()
    for entry in body["codes"]:
        row = re.search(rf'<tr class="[^"]*" data-code="{entry["code_id"]}">(.*?)</tr>', page, re.S)
        ci = re.search(
            r'data-metric="alpha_ci" data-low="([^"]*)" data-high="([^"]*)"', row.group(1)
        )
        assert [float(ci.group(1)), float(ci.group(2))] == entry["alpha_ci"]
    overall = re.search(
        r'data-metric="overall_alpha_ci" data-low="([^"]*)" data-high="([^"]*)"', page
    )
    assert [float(overall.group(1)), float(overall.group(2))] == body["overall"]["alpha_ci"]
    names = [t.title for t in compared(varied)]
    assert "9 transcripts compared" in page
    listed = re.search(r'<ol class="compared-transcripts">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li[^>]*>([^<]*)</li>", listed) == names
    assert "Interview 08" not in listed  # erin is missing there
    assert "B = 200" in page and "seed 7" in page


def test_the_methods_text_states_the_resampling_unit_and_why(owner_client, study, varied):
    page = owner_client.get(
        reverse("coding:agreement_report", args=[study.pk]) + "?layers=bob&layers=erin&seed=5"
    ).content.decode()
    summary = re.search(r'<p id="methods-summary"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "resampling whole transcripts" in summary
    assert "not independent" in summary and "falsely narrow" in summary
    assert "1,000 replicates" in summary and "seed 5" in summary
    assert "percentile" in summary and "95%" in summary


def test_the_exports_carry_the_interval(owner_client, study, varied):
    import csv
    import io

    base = reverse("coding:agreement_export", args=[study.pk])
    response = owner_client.get(base + "?layers=bob&layers=erin&bootstrap=200&seed=3&format=csv")
    text = b"".join(response.streaming_content).decode()
    table = list(csv.DictReader(io.StringIO(text)))
    body = api(owner_client, study, layers="bob,erin", bootstrap=200, seed=3).json()
    expected = {c["code_id"]: c["alpha_ci"] for c in body["codes"]}
    pooled = [r for r in table if r["level"] == "pooled"]
    assert len(pooled) == 3
    for r in pooled:
        got = [float(r["alpha_ci_low"]), float(r["alpha_ci_high"])]
        assert got == pytest.approx(expected[int(r["code_id"])], abs=1e-6)
    assert all(r["alpha_ci_low"] == "" for r in table if r["level"] == "transcript")
    # The XLSX's pooled sheet carries the same columns, its notes say how they were drawn.
    import openpyxl

    response = owner_client.get(base + "?layers=bob&layers=erin&bootstrap=200&seed=3&format=xlsx")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book["Pooled"].values)
    sheet = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    for r in sheet:
        assert [r["alpha_ci_low"], r["alpha_ci_high"]] == pytest.approx(
            expected[r["code_id"]], abs=1e-6
        )
    notes = " ".join(str(c) for row in book.worksheets[-1].values for c in row if c)
    assert "B = 200 replicates, seed 3" in notes


# --- engine properties ---------------------------------------------------------------------


def clustered(rng: random.Random, n: int, length: int = 300) -> dict[int, Document]:
    """Transcripts whose agreement differs from one to the next (a coder who reads some
    interviews as the other does and some quite differently): the situation of real data."""
    docs = {}
    for i in range(n):
        a = random_spans(rng, length, 6)
        b = jitter(rng, a, length, rng.choice([0.1, 0.3, 0.6, 1.0]))
        if rng.random() < 0.3:
            b = random_spans(rng, length, 6)
        spans = [Span("A", "c", s, e) for s, e in a] + [Span("B", "c", s, e) for s, e in b]
        docs[i] = Document(length, spans)
    return docs


def width(interval) -> float:
    return interval.high - interval.low


@pytest.mark.parametrize("data_seed", range(5))
def test_the_interval_narrows_as_transcripts_increase(data_seed):
    docs = clustered(random.Random(data_seed), 48)
    few = {k: docs[k] for k in range(6)}
    narrow = alpha_intervals(docs, ["A", "B"], ["c"], replicates=500, seed=11).per_code["c"]
    wide = alpha_intervals(few, ["A", "B"], ["c"], replicates=500, seed=11).per_code["c"]
    assert width(narrow) < width(wide)


def test_a_naive_character_bootstrap_would_be_falsely_narrow():
    """Why the unit is the transcript: resampling characters from the pooled coincidences
    (a multinomial over the pooled coverage profile) ignores that a transcript's characters
    agree or disagree together, and its interval is several times too narrow."""
    docs = clustered(random.Random(3), 20)
    ours = alpha_intervals(docs, ["A", "B"], ["c"], replicates=1000, seed=5).per_code["c"]
    # Pooled profile: characters coded by neither, one, both.
    w = [0, 0, 0]
    for doc in docs.values():
        for i in range(doc.length):
            a = any(s.start <= i < s.end for s in doc.spans if s.layer == "A")
            b = any(s.start <= i < s.end for s in doc.spans if s.layer == "B")
            w[a + b] += 1
    total = sum(w)
    draws = np.random.default_rng(5).multinomial(total, [x / total for x in w], size=1000)
    naive = []
    for _w0, w1, w2 in draws:
        n, n1, o01 = 2 * total, w1 + 2 * w2, w1
        naive.append(1 - (n - 1) * o01 / ((n - n1) * n1))
    naive_width = type7(naive, 0.975) - type7(naive, 0.025)
    assert naive_width * 2 < width(ours)


def test_an_interval_needs_two_compared_transcripts():
    doc = Document(20, [Span("A", "c", 0, 5), Span("B", "c", 2, 6)])
    one = alpha_intervals({1: doc}, ["A", "B"], ["c"], replicates=100, seed=1).per_code["c"]
    assert one.low is None and "two or more compared transcripts" in one.reason


def test_an_undefined_alpha_has_no_interval(owner_client, study, varied):
    unused = factories.make_code(study, name="Unused")
    body = api(owner_client, study, layers="bob,erin", bootstrap=100).json()
    entry = next(c for c in body["codes"] if c["code_id"] == unused.pk)
    assert entry["alpha"] is None and entry["alpha_ci"] is None
    assert "no variation" in entry["reasons"]["alpha"]
    assert "undefined" in entry["reasons"]["alpha_ci"]


def test_the_same_seed_gives_the_same_interval_and_another_seed_another(
    owner_client, study, varied
):
    first = api(owner_client, study, layers="bob,erin", bootstrap=200, seed=9).json()
    again = api(owner_client, study, layers="bob,erin", bootstrap=200, seed=9).json()
    other = api(owner_client, study, layers="bob,erin", bootstrap=200, seed=10).json()
    assert first["overall"]["alpha_ci"] == again["overall"]["alpha_ci"]
    assert first["overall"]["alpha_ci"] != other["overall"]["alpha_ci"]


def test_a_code_coded_in_one_transcript_only_has_no_interval():
    """Resampling transcripts cannot show the uncertainty of a code used in one of them: its
    replicates are either that transcript's alpha or undefined, a falsely exact [a, a]."""
    docs = {
        i: Document(
            50,
            [Span("A", "c", 0, 10), Span("B", "c", 2, 12)]
            + ([Span("A", "rare", 20, 30), Span("B", "rare", 20, 30)] if i == 0 else []),
        )
        for i in range(8)
    }
    result = alpha_intervals(docs, ["A", "B"], ["c", "rare"], replicates=200, seed=1)
    assert result.per_code["c"].defined
    rare = result.per_code["rare"]
    assert rare.low is None and "only one compared transcript" in rare.reason


def test_three_layers_with_one_missing_on_some_transcripts_match_krippendorff():
    """Missing layers are missing (NaN for `krippendorff`), not "coded nothing"."""
    rng = random.Random(8)
    docs, matrices_ = {}, []
    for i in range(7):
        length = 80
        a = random_spans(rng, length, 3)
        b = jitter(rng, a, length, rng.choice([0.1, 0.5, 1.0]))
        c = jitter(rng, a, length, rng.choice([0.1, 0.5, 1.0]))
        present = ("A", "B", "C") if i % 3 else ("A", "B")
        spans = [Span("A", "k", s, e) for s, e in a] + [Span("B", "k", s, e) for s, e in b]
        if "C" in present:
            spans += [Span("C", "k", s, e) for s, e in c]
        docs[i] = Document(length, spans, layers=present)
        third = covered(length, c) if "C" in present else [float("nan")] * length
        matrices_.append([covered(length, a), covered(length, b), third])
    got = alpha_intervals(docs, ["A", "B", "C"], ["k"], replicates=300, seed=4).per_code["k"]
    low, high, dropped = independent_interval(matrices_, 300, 4)
    assert [got.low, got.high] == pytest.approx([low, high], abs=1e-9)
    assert got.dropped == dropped


def test_the_api_answer_takes_the_same_queries_whatever_the_number_of_transcripts(
    owner_client, study, varied
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert api(owner_client, study, layers="bob,erin", bootstrap=50).status_code == 200
        return len(captured.captured_queries)

    before = count()
    bob, erin = varied["layers"]
    for i in range(5):
        t = factories.make_transcript(study, title=f"More {i}", text=make_text(random.Random(i)))
        Assignment.objects.create(layer=bob, transcript=t)
        Assignment.objects.create(layer=erin, transcript=t)
        factories.make_segment(t, varied["codes"][0], bob, 3, 20)
    assert count() == before
