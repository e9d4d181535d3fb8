"""Agreement over time: per calibration round and per codebook-version period.

The figures are checked against an independent computation: per period, the characters of
the transcripts both coders coded in that period as reliability data for the
`krippendorff` package (and plain counting for percent agreement and kappa); per round, the
excerpts x coders matrix, its bootstrap redone replicate by replicate with the package.
"""

from __future__ import annotations

import datetime as dt
import random

import krippendorff
import numpy as np
import pytest
from django.utils import timezone

from coding.agreement import bootstrap
from coding.agreement.over_time import over_time
from coding.agreement.periods import BEFORE, CURRENT, Periods
from coding.calibration import services as calibration
from coding.codebook import services as codebook_services
from coding.codebook.selectors import codebook
from coding.codebook.versions import version_create
from coding.models import CalibrationSubmission, CodebookVersion, Segment
from studies.access import study_access
from tests import factories

BASE = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
T1 = BASE + dt.timedelta(days=10)  # v1 frozen
T2 = BASE + dt.timedelta(days=20)  # v2 frozen
TEXT = (
    "Interviewer: How was it?\nP01: At first I did not know my role, then it got better. "
    "同事信任我。 It got better 😀 later, and the team trusted me with more work.\n"
)


def freeze(study, name, when, owner):
    v = version_create(study=study, name=name, actor=owner)
    CodebookVersion.objects.filter(pk=v.pk).update(created_at=when)
    return v


def seg(t, code, layer, s, e, when):
    segment = factories.make_segment(t, code, layer, s, e)
    Segment.objects.filter(pk=segment.pk).update(created_at=when)
    return segment


def coverage(length, spans):
    cov = [0] * length
    for s, e in spans:
        for i in range(s, e):
            cov[i] = 1
    return cov


def oracle(a, b):
    """Percent agreement, Cohen's kappa (NVivo: on the 2x2 table) and alpha of two binary
    character sequences."""
    n = len(a)
    n11 = sum(1 for x, y in zip(a, b, strict=True) if x and y)
    n00 = sum(1 for x, y in zip(a, b, strict=True) if not x and not y)
    pa = (n11 + n00) / n
    pa_a, pb = sum(a) / n, sum(b) / n
    pe = pa_a * pb + (1 - pa_a) * (1 - pb)
    kappa = None if pe == 1 else (pa - pe) / (1 - pe)
    alpha = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
    return pa, kappa, alpha


@pytest.fixture
def world(study, owner, coder, coder2):
    rng = random.Random(14)
    codes = [factories.make_code(study, name=n) for n in ("Role", "Trust", "Workload")]
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    transcripts = [factories.make_transcript(study, title=f"T{i:02d}", text=TEXT) for i in range(6)]
    v1 = freeze(study, "v1 after calibration", T1, owner)
    v2 = freeze(study, "v2 before T2 coding", T2, owner)
    # Which period each transcript is coded in by each coder (None: not coded).
    plan = {
        0: (BASE, BASE),
        1: (BASE, BASE),
        2: (T1, T1 + dt.timedelta(hours=1)),  # bob's segments exactly at v1's freeze
        3: (T1 + dt.timedelta(days=1), T1 + dt.timedelta(days=2)),
        4: (T2 + dt.timedelta(days=1), T2 + dt.timedelta(days=1)),
        5: (T2 + dt.timedelta(days=2), None),  # only bob: not compared
    }
    spans: dict = {}
    for i, t in enumerate(transcripts):
        for layer, when in zip((bob, erin), plan[i], strict=True):
            if when is None:
                continue
            for code in codes:
                for _ in range(rng.randrange(1, 3)):
                    s = rng.randrange(0, len(TEXT) - 20)
                    e = s + rng.randrange(3, 20)
                    seg(t, code, layer, s, e, when)
                    spans.setdefault((t.pk, layer.key, code.pk), []).append((s, e))
    # A segment just before v1 on T2 by erin: it belongs to "before", not v1.
    seg(transcripts[2], codes[0], erin, 5, 9, T1 - dt.timedelta(microseconds=1))
    return {
        "codes": codes,
        "layers": [bob, erin],
        "t": transcripts,
        "v": [v1, v2],
        "plan": plan,
    }


def expected(world, period_of, periods):
    """Per period key: the oracle's (pa, kappa, alpha) overall and per code, from the
    database's segments directly."""
    bob, erin = world["layers"]
    keys = [bob.pk, erin.pk]
    out = {}
    for p in periods:
        segs = [s for s in Segment.objects.all() if period_of(s.created_at) == p.key]
        on = {}
        for s in segs:
            on.setdefault(s.transcript_id, set()).add(s.layer_id)
        compared = sorted(
            (tid for tid, ls in on.items() if set(keys) <= ls),
            key=lambda tid: next(t.title for t in world["t"] if t.pk == tid),
        )
        used = sorted({s.code_id for s in segs})
        per_code = {}
        pooled_a, pooled_b = [], []
        for code in world["codes"]:
            a, b = [], []
            for tid in compared:
                length = len(TEXT)
                a += coverage(
                    length,
                    [
                        (s.start, s.end)
                        for s in segs
                        if (s.transcript_id, s.layer_id, s.code_id) == (tid, bob.pk, code.pk)
                    ],
                )
                b += coverage(
                    length,
                    [
                        (s.start, s.end)
                        for s in segs
                        if (s.transcript_id, s.layer_id, s.code_id) == (tid, erin.pk, code.pk)
                    ],
                )
            if a:
                per_code[code.pk] = oracle(a, b)
            if code.pk in used:
                pooled_a += a
                pooled_b += b
        out[p.key] = {
            "compared": compared,
            "overall": oracle(pooled_a, pooled_b) if pooled_a else None,
            "codes": per_code,
        }
    return out


def test_period_figures_match_an_independent_computation(study, owner, world):
    access = study_access(owner, study.pk)
    table = over_time(access, world["layers"], book=codebook(study), replicates=0)
    periods = Periods.for_study(study)
    assert [p.key for p in table.periods] == [p.key for p in periods]
    assert [p.label for p in table.periods] == [
        "before any named version",
        "v1 after calibration",
        "v2 before T2 coding",
    ]
    want = expected(world, lambda m: periods.at(m).key, periods)
    for row in table.periods:
        w = want[row.key]
        assert [t.pk for t in row.transcripts] == w["compared"]
        pa, kappa, alpha = w["overall"]
        assert row.percent_agreement.value == pytest.approx(pa, abs=1e-12)
        assert row.kappa.value == pytest.approx(kappa, abs=1e-12)
        assert row.alpha.value == pytest.approx(alpha, abs=1e-12)
        assert row.units == len(w["compared"]) * len(TEXT) * len(world["codes"])
        for code in world["codes"]:
            got = row.per_code[code.pk]
            cpa, ckappa, calpha = w["codes"][code.pk]
            assert got.percent_agreement.value == pytest.approx(cpa, abs=1e-12)
            assert got.alpha.value == pytest.approx(calpha, abs=1e-12)
    # T02 is compared under v1 (bob coded it exactly when v1 was frozen), T05 nowhere.
    titles = {row.key: [t.title for t in row.transcripts] for row in table.periods}
    assert titles == {
        BEFORE: ["T00", "T01"],
        f"v{world['v'][0].pk}": ["T02", "T03"],
        f"v{world['v'][1].pk}": ["T04"],
    }
    # erin's segment a microsecond before v1 makes T02 straddle two periods.
    assert [t.title for t in table.straddling] == ["T02"]


def test_period_intervals_resample_the_periods_transcripts(study, owner, world):
    access = study_access(owner, study.pk)
    table = over_time(access, world["layers"], book=codebook(study), replicates=300, seed=5)
    before, v1, v2 = table.periods
    # Independently: draw the period's compared transcripts whole with the same seeded
    # draws, concatenate their characters x used codes and ask the package per replicate.
    bob, erin = world["layers"]
    for row in (before, v1):
        per_t = []
        for t in row.transcripts:
            a, b = [], []
            for code in world["codes"]:
                mine = Segment.objects.filter(transcript_id=t.pk, code=code)
                inside = [s for s in mine if row.start is None or s.created_at >= row.start]
                inside = [s for s in inside if row.end is None or s.created_at < row.end]
                a += coverage(len(TEXT), [(s.start, s.end) for s in inside if s.layer_id == bob.pk])
                b += coverage(
                    len(TEXT), [(s.start, s.end) for s in inside if s.layer_id == erin.pk]
                )
            per_t.append((a, b))
        counts = bootstrap.draws(len(per_t), 300, 5).astype(int)
        values = []
        for r in range(300):
            a = [x for i, (ta, _) in enumerate(per_t) for _ in range(counts[r, i]) for x in ta]
            b = [x for i, (_, tb) in enumerate(per_t) for _ in range(counts[r, i]) for x in tb]
            values.append(
                krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
            )
        low, high = np.quantile(values, [0.025, 0.975])
        assert row.alpha_ci.low == pytest.approx(low, abs=1e-9)
        assert row.alpha_ci.high == pytest.approx(high, abs=1e-9)
    # One compared transcript: no interval, with the engine's reason.
    assert v2.alpha_ci.low is None
    assert v2.alpha_ci.reason == bootstrap.FEW_TRANSCRIPTS
    # The same seed gives the same interval.
    again = over_time(access, world["layers"], book=codebook(study), replicates=300, seed=5)
    assert again.periods[1].alpha_ci == v1.alpha_ci


def test_a_segment_created_exactly_at_a_freeze_is_coded_under_that_version(study, owner):
    v1 = freeze(study, "v1", T1, owner)
    v2 = freeze(study, "v2", T2, owner)
    periods = Periods.for_study(study)
    assert periods.at(T1 - dt.timedelta(microseconds=1)).key == BEFORE
    assert periods.at(T1).version_id == v1.pk
    assert periods.at(T2 - dt.timedelta(microseconds=1)).version_id == v1.pk
    assert periods.at(T2).version_id == v2.pk
    assert periods.at(T2).coded_under == "coded under v2"
    assert periods.at(BASE).coded_under == "coded before any named version"


def test_a_codebook_change_after_the_last_version_opens_the_current_period(study, owner):
    code = factories.make_code(study, name="Role")
    v1 = freeze(study, "v1", T1, owner)
    assert [p.key for p in Periods.for_study(study)] == [BEFORE, f"v{v1.pk}"]
    codebook_services.code_update(code=code, name="Role clarity", actor=owner, reason="Clearer")
    periods = Periods.for_study(study)
    assert [p.key for p in periods] == [BEFORE, f"v{v1.pk}", CURRENT]
    assert periods.items[-1].label == "the current codebook, changed since v1"
    assert periods.at(timezone.now()).key == CURRENT
    assert periods.at(T1 + dt.timedelta(seconds=1)).key == f"v{v1.pk}"


# --- calibration rounds -------------------------------------------------------------------


def make_round(study, owner, coders, name, codes, when, answers, single=False):
    t = factories.make_transcript(study, title=f"Excerpts {name}", text=TEXT)
    spans = [(i * 8, i * 8 + 6) for i in range(len(answers))]
    rnd = calibration.calibration_round_create(
        study=study,
        name=name,
        codes=codes,
        coders=coders,
        spans=[(t.pk, s, e) for s, e in spans],
        actor=owner,
        single_code=single,
    )
    type(rnd).objects.filter(pk=rnd.pk).update(created_at=when)
    units = list(rnd.units.order_by("position"))
    for unit, per_coder in zip(units, answers, strict=True):
        for coder, given in zip(coders, per_coder, strict=True):
            if given is None:
                continue
            calibration.calibration_answer_submit(
                unit=unit, coder=coder, code_ids=[codes[i].pk for i in given], actor=coder
            )
    CalibrationSubmission.objects.filter(unit__round=rnd).update(submitted_at=when)
    rnd.refresh_from_db()
    return rnd


def test_round_figures_match_an_independent_computation(study, owner, coder, coder2):
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    codes = [factories.make_code(study, name=n) for n in ("Role", "Trust")]
    rng = random.Random(3)
    answers1 = [
        ([i for i in (0, 1) if rng.random() < 0.5], [i for i in (0, 1) if rng.random() < 0.5])
        for _ in range(14)
    ]
    answers3 = [
        (given, given if rng.random() < 0.85 else [1 - g for g in given] or [0])
        for given, _ in answers1
    ]
    v1 = freeze(study, "v1 after calibration", T1, owner)
    make_round(study, owner, [coder, coder2], "Round 3", codes, T1 + dt.timedelta(days=1), answers3)
    make_round(study, owner, [coder, coder2], "Round 1", codes, BASE, answers1)
    access = study_access(owner, study.pk)
    table = over_time(access, [bob, erin], book=codebook(study), replicates=400, seed=9)
    assert [r.label for r in table.rounds] == ["Round 1", "Round 3"]
    assert [r.codebook for r in table.rounds] == ["before any named version", v1.name]
    order = sorted([coder, coder2], key=lambda u: u.username)
    for row, answers in zip(table.rounds, (answers1, answers3), strict=True):
        by_user = {coder.pk: 0, coder2.pk: 1}
        cols = [by_user[u.pk] for u in order]
        # Pooled binary: one unit per (excerpt, code), excerpt-major.
        pooled = [
            [int(c in answers[u][col]) for u in range(len(answers)) for c in (0, 1)] for col in cols
        ]
        alpha = krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal")
        assert row.alpha.value == pytest.approx(alpha, abs=1e-12)
        assert row.units == 2 * len(answers)
        # The interval: whole excerpts (both their code decisions) drawn with replacement.
        t = len(answers)
        counts = bootstrap.draws(t, 400, 9).astype(int)
        values = []
        for b in range(400):
            picked = [u for u in range(t) for _ in range(counts[b, u])]
            data = [[int(c in answers[u][col]) for u in picked for c in (0, 1)] for col in cols]
            flat = {v for r in data for v in r}
            if len(flat) < 2:
                continue
            values.append(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
        low, high = np.quantile(values, [0.025, 0.975])
        assert row.alpha_ci.low == pytest.approx(low, abs=1e-9)
        assert row.alpha_ci.high == pytest.approx(high, abs=1e-9)
        for k, code in enumerate(codes):
            data = [[int(k in answers[u][col]) for u in range(t)] for col in cols]
            if len({v for r in data for v in r}) > 1:
                want = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
                assert row.per_code[code.pk].alpha.value == pytest.approx(want, abs=1e-12)


def test_rounds_compare_only_the_chosen_coders(study, owner, coder, coder2):
    third = factories.make_user(username="zoe")
    factories.add_member(study, third, "coder")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    codes = [factories.make_code(study, name="Role")]
    answers = [([0], [0], []), ([], [], [0]), ([0], [], [0]), ([], [], [])]
    make_round(study, owner, [coder, coder2, third], "Round 1", codes, BASE, answers)
    table = over_time(study_access(owner, study.pk), [bob, erin], book=codebook(study))
    row = table.rounds[0]
    assert row.coders == 2
    want = krippendorff.alpha(
        reliability_data=[[1, 0, 1, 0], [1, 0, 0, 0]], level_of_measurement="nominal"
    )
    assert row.alpha.value == pytest.approx(want, abs=1e-12)
    assert row.kappa.defined


# --- the agreement report states its codebook versions ------------------------------------


@pytest.fixture
def versioned(study, owner, coder, coder2):
    """Two transcripts double-coded: 4 segments under v1, 3 after the codebook changed
    since v2; a fifth transcript only bob coded (not compared, not counted)."""
    role = factories.make_code(study, name="Role")
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    t1 = factories.make_transcript(study, title="T1", text=TEXT)
    t2 = factories.make_transcript(study, title="T2", text=TEXT)
    t3 = factories.make_transcript(study, title="T3", text=TEXT)
    freeze(study, "v1 after calibration", T1, owner)
    freeze(study, "v2 before T2 coding", T2, owner)
    for layer in (bob, erin):
        seg(t1, role, layer, 0, 10, T1 + dt.timedelta(hours=1))
        seg(t1, role, layer, 20, 30, T1 + dt.timedelta(hours=2))
    seg(t3, role, bob, 0, 10, T1 + dt.timedelta(hours=1))
    codebook_services.code_update(code=role, name="Role clarity", actor=owner, reason="Clearer")
    seg(t2, role, bob, 0, 12, timezone.now())
    seg(t2, role, erin, 2, 12, timezone.now())
    seg(t2, role, erin, 30, 40, timezone.now())
    return {"role": role}


WORDS = (
    "coded under v1 after calibration (4 segments) and under the current codebook, changed "
    "since v2 before T2 coding (3)"
)


def test_the_report_page_api_and_exports_say_which_codebook_versions(
    study, owner_client, versioned
):
    from django.urls import reverse

    page = owner_client.get(
        reverse("coding:agreement_report", args=[study.pk]), {"layers": ["bob", "erin"]}
    ).content.decode()
    assert WORDS in page
    body = owner_client.get(
        f"/api/v1/studies/{study.pk}/agreement?layers=bob,erin&bootstrap=0"
    ).json()
    assert body["coded_under"] == WORDS
    assert [(v["label"], v["segments"]) for v in body["codebook_versions"]] == [
        ("v1 after calibration", 4),
        ("the current codebook, changed since v2 before T2 coding", 3),
    ]
    export = reverse("coding:agreement_export", args=[study.pk])
    text = owner_client.get(export, {"layers": ["bob", "erin"], "format": "methods"})
    assert "The compared segments were " + WORDS in text.content.decode()
    csv_text = owner_client.get(export, {"layers": ["bob", "erin"], "format": "csv"})
    lines = b"".join(csv_text.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[-1] == "coded_under"
    assert WORDS in lines[1]


# --- who may read it ----------------------------------------------------------------------


def test_who_reads_agreement_over_time(study, owner, coder, coder2, viewer, persona_clients, world):
    from django.urls import reverse

    page = reverse("coding:agreement_over_time", args=[study.pk])
    export = reverse("coding:agreement_over_time_export", args=[study.pk])
    api = f"/api/v1/studies/{study.pk}/agreement/over-time?layers=bob,erin&bootstrap=0"
    query = {"layers": ["bob", "erin"], "bootstrap": "0"}

    def statuses():
        return {
            who: (
                c.get(page, query).status_code,
                c.get(export, {**query, "format": "csv"}).status_code,
                c.get(api).status_code,
            )
            for who, c in persona_clients.items()
        }

    # Not shared with coders (the default): owners and viewers read it, coders get 403,
    # non-members 404 (the study's existence is not disclosed).
    assert statuses() == {
        "owner": (200, 200, 200),
        "coder": (403, 403, 403),
        "viewer": (200, 200, 200),
        "outsider": (404, 404, 404),
    }
    study.share_agreement_with_coders = True
    study.save()
    assert statuses()["coder"] == (200, 200, 200)
    # Blind coding hides it from coders again, shared or not.
    study.blind_coding = True
    study.save()
    got = statuses()
    assert got["coder"] == (403, 403, 403)
    assert got["viewer"] == (200, 200, 200)
    body = persona_clients["viewer"].get(api).json()
    assert [p["label"] for p in body["periods"]] == [
        "before any named version",
        "v1 after calibration",
        "v2 before T2 coding",
    ]


def test_rounds_a_member_may_not_see_are_left_out(study, owner, coder, coder2, viewer):
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    codes = [factories.make_code(study, name="Role")]
    rnd = make_round(study, owner, [coder, coder2], "Round 1", codes, BASE, [([0], [0]), ([], [0])])
    as_viewer = study_access(viewer, study.pk)
    assert over_time(as_viewer, [bob, erin], book=codebook(study)).rounds == []
    type(rnd).objects.filter(pk=rnd.pk).update(closed=True)
    assert [r.label for r in over_time(as_viewer, [bob, erin], book=codebook(study)).rounds] == [
        "Round 1"
    ]


# --- the coding page: each segment's codebook version ---------------------------------------


def segments_data(html: str) -> dict:
    import json
    import re

    found = re.search(r'<script id="segments-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_the_coding_page_says_under_which_version_each_segment_was_coded(
    study, owner, coder, coder_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    code = factories.make_code(study, name="Role")
    layer = factories.make_layer(study, coder)
    t = factories.make_transcript(study, title="T", text=TEXT * 3)
    v1 = freeze(study, "v1 after calibration", T1, owner)
    # Before v1, exactly at its freeze, half a second after, and a microsecond before.
    moments = [BASE, T1, T1 + dt.timedelta(microseconds=500_000), T1 - dt.timedelta(microseconds=1)]
    url = reverse("coding:transcript_code", args=[study.pk, t.pk])
    made = []

    def check() -> int:
        with CaptureQueriesContext(connection) as ctx:
            html = coder_client.get(url).content.decode()
        data = segments_data(html)
        assert data["periods"] == ["coded before any named version", "coded under " + v1.name]
        got = {row[0]: data["periods"][row[8]] for row in data["segs"]}
        assert got == {
            pk: "coded before any named version" if when < T1 else "coded under " + v1.name
            for pk, when in made
        }
        return len(ctx.captured_queries)

    made.append((seg(t, code, layer, 0, 5, moments[0]).pk, moments[0]))
    one = check()
    for i in range(1, 40):
        when = moments[i % len(moments)]
        made.append((seg(t, code, layer, i, i + 5, when).pk, when))
    # The same queries for 1 and for 40 segments (the versions are read once).
    assert check() == one


def test_retrieval_rows_say_under_which_version_each_passage_was_coded(
    study, owner, coder_client, coder
):
    import re

    from django.urls import reverse

    code = factories.make_code(study, name="Role")
    layer = factories.make_layer(study, coder)
    t = factories.make_transcript(study, title="T", text=TEXT)
    freeze(study, "v1 after calibration", T1, owner)
    early = seg(t, code, layer, 0, 5, BASE)
    at = seg(t, code, layer, 10, 15, T1)
    html = coder_client.get(
        reverse("coding:retrieval", args=[study.pk]), {"code": code.pk}
    ).content.decode()

    def coded(pk):
        item = re.search(rf'id="r-seg-{pk}".*?</li>', html, re.S).group(0)
        return re.search(r'<span class="coded-under">(.*?)</span>', item).group(1)

    assert coded(early.pk) == "coded before any named version"
    assert coded(at.pk) == "coded under v1 after calibration"


def test_the_csv_and_xlsx_exports_hold_the_api_figures(study, owner_client, world):
    import csv
    import io

    import openpyxl
    from django.urls import reverse

    query = {"layers": ["bob", "erin"], "bootstrap": "100", "seed": "2"}
    body = owner_client.get(
        f"/api/v1/studies/{study.pk}/agreement/over-time?layers=bob,erin&bootstrap=100&seed=2"
    ).json()
    url = reverse("coding:agreement_over_time_export", args=[study.pk])
    response = owner_client.get(url, {**query, "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    overall = [r for r in rows if not r["code_id"]]
    assert [(r["kind"], r["label"]) for r in overall] == [
        ("period", p["label"]) for p in body["periods"]
    ]
    for r, p in zip(overall, body["periods"], strict=True):
        assert r["codebook_version"] == p["codebook"]
        assert (float(r["krippendorff_alpha"]) if r["krippendorff_alpha"] else None) == (
            pytest.approx(p["alpha"]) if p["alpha"] is not None else None
        )
        if p["alpha_ci"]:
            assert [float(r["alpha_ci_low"]), float(r["alpha_ci_high"])] == pytest.approx(
                p["alpha_ci"]
            )
        else:
            assert r["alpha_ci_low"] == "" and "no interval" in r["note"]
        assert int(r["transcripts_compared"]) == len(p["transcripts"])
    per_code = [r for r in rows if r["code_id"]]
    assert len(per_code) == len(body["periods"]) * len(world["codes"])
    book = owner_client.get(url, {**query, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(book.content))
    assert {"Over time", "Per code"} <= set(wb.sheetnames)
    sheet = wb["Over time"]
    assert [c.value for c in sheet[1]][:2] == ["kind", "label"]
    assert sheet.max_row == 1 + len(body["periods"])


def test_without_named_versions_the_pages_say_nothing_of_versions(study, coder, coder_client):
    from django.urls import reverse

    code = factories.make_code(study, name="Role")
    layer = factories.make_layer(study, coder)
    t = factories.make_transcript(study, title="T", text=TEXT)
    seg(t, code, layer, 0, 5, BASE)
    html = coder_client.get(reverse("coding:transcript_code", args=[study.pk, t.pk])).content
    data = segments_data(html.decode())
    assert data["periods"] == [""] and [row[8] for row in data["segs"]] == [0]
    listing = coder_client.get(reverse("coding:retrieval", args=[study.pk]), {"code": code.pk})
    assert 'class="retrieval-item"' in listing.content.decode()
    assert "coded-under" not in listing.content.decode()


def test_a_round_answered_across_a_freeze_says_so(study, owner, coder, coder2, owner_client):
    bob, erin = factories.make_layer(study, coder), factories.make_layer(study, coder2)
    codes = [factories.make_code(study, name="Role")]
    v1 = freeze(study, "v1 after calibration", T1, owner)
    rnd = make_round(study, owner, [coder, coder2], "Round 2", codes, BASE, [([0], [0]), ([], [0])])
    later = CalibrationSubmission.objects.filter(unit__round=rnd, coder=coder2).first()
    CalibrationSubmission.objects.filter(pk=later.pk).update(
        submitted_at=T1 + dt.timedelta(hours=1)
    )
    row = over_time(study_access(owner, study.pk), [bob, erin], book=codebook(study)).rounds[0]
    assert row.codebook == f"before any named version to {v1.name}"
    assert row.note == "answers were given under two codebook states"
    # The API's default layers (none given) are the report's first two with coding.
    t = factories.make_transcript(study, title="T", text=TEXT)
    seg(t, codes[0], bob, 0, 5, BASE)
    seg(t, codes[0], erin, 0, 5, BASE)
    body = owner_client.get(f"/api/v1/studies/{study.pk}/agreement/over-time?layers=&bootstrap=0")
    assert body.status_code == 200 and body.json()["layers"] == ["bob", "erin"]
    bad = owner_client.get(f"/api/v1/studies/{study.pk}/agreement/over-time?layers=bob,nobody")
    assert bad.status_code == 400
