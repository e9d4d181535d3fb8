"""A PI reads agreement over time in Chromium: the calibration rounds and the codebook periods,
α per code across them, reached from the report by keyboard; the table equals the API's."""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from coding.calibration import services as calibration
from coding.codebook.versions import version_create
from coding.models import CalibrationRound, CalibrationSubmission, CodebookVersion, Layer, Segment
from studies.models import Transcript
from tests import factories
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-agr14"))
BASE = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def history(study, owner):
    """Round 1, v1 after calibration, Round 2, v2 before T2 coding; the transcripts coded
    in three thirds: before v1, under v1, under v2."""
    v1 = version_create(study=study, name="v1 after calibration", actor=owner)
    v2 = version_create(study=study, name="v2 before T2 coding", actor=owner)
    CodebookVersion.objects.filter(pk=v1.pk).update(created_at=BASE + dt.timedelta(days=10))
    CodebookVersion.objects.filter(pk=v2.pk).update(created_at=BASE + dt.timedelta(days=20))
    ids = list(Transcript.objects.filter(study=study).order_by("pk").values_list("pk", flat=True))
    third = max(1, len(ids) // 3)
    for i, days in enumerate((1, 11, 21)):
        Segment.objects.filter(transcript_id__in=ids[i * third : (i + 1) * third]).update(
            created_at=BASE + dt.timedelta(days=days)
        )
    Segment.objects.filter(transcript_id__in=ids[3 * third :]).update(
        created_at=BASE + dt.timedelta(days=21)
    )
    layers = list(Layer.objects.filter(study=study, kind="coder").order_by("pk"))[:2]
    coders = [la.user for la in layers]
    codes = list(study.codes.filter(parent__isnull=True).order_by("pk"))[:3]
    rng = random.Random(2)
    for name, day, agree in (("Round 1", 2, 0.55), ("Round 2", 12, 0.9)):
        rnd = calibration.calibration_round_create(
            study=study,
            name=name,
            codes=codes,
            coders=coders,
            spans=calibration.units_from_layer(layer=layers[0], limit=16),
            actor=owner,
        )
        CalibrationRound.objects.filter(pk=rnd.pk).update(created_at=BASE + dt.timedelta(days=day))
        for unit in rnd.units.all():
            first = [c.pk for c in codes if rng.random() < 0.4]
            second = first if rng.random() < agree else [c.pk for c in codes if rng.random() < 0.4]
            for coder, given in zip(coders, (first, second), strict=True):
                calibration.calibration_answer_submit(
                    unit=unit, coder=coder, code_ids=given, actor=coder
                )
        CalibrationSubmission.objects.filter(unit__round=rnd).update(
            submitted_at=BASE + dt.timedelta(days=day)
        )
    return layers


def test_a_pi_reads_agreement_over_rounds_and_codebook_versions(page, login_as):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=9, segments_per_layer=30, target_chars=(2000, 4000)
    )
    layers = history(study, owner)
    keys = [la.key for la in layers]
    SHOTS.mkdir(parents=True, exist_ok=True)
    login_as(owner)
    page.goto(
        reverse("coding:agreement_report", args=[study.pk])
        + f"?layers={keys[0]}&layers={keys[1]}&bootstrap=200"
    )
    # The report states its codebook versions.
    coded = page.locator('[data-metric="coded_under"]').inner_text()
    assert "coded before any named version (" in coded
    assert "under v1 after calibration (" in coded and "under v2 before T2 coding (" in coded
    page.locator(".overall-ci").screenshot(path=str(SHOTS / "report-coded-under.png"))
    # Keyboard: focus the "Over time" tab and follow it with Enter.
    tab = page.get_by_role("navigation", name="Agreement").get_by_role("link", name="Over time")
    tab.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/agreement/over-time/**")
    assert "bootstrap=200" in page.url
    rows = page.locator("table.over-time tbody tr[data-row] th")
    assert rows.all_inner_texts() == [
        "Round 1",
        "Round 2",
        "before any named version",
        "v1 after calibration",
        "v2 before T2 coding",
    ]
    api = Client()
    api.force_login(owner)
    body = api.get(
        f"/api/v1/studies/{study.pk}/agreement/over-time?layers={','.join(keys)}&bootstrap=200"
    ).json()
    shown = page.locator("table.over-time td[data-metric=alpha]")
    values = [shown.nth(i).get_attribute("data-value") for i in range(shown.count())]
    want = [r["alpha"] for r in body["rounds"] + body["periods"]]
    assert [float(v) if v else None for v in values] == want
    ci = page.locator("table.over-time td[data-metric=alpha_ci]").nth(3)
    period = body["periods"][1]
    if period["alpha_ci"]:
        assert [float(ci.get_attribute("data-low")), float(ci.get_attribute("data-high"))] == (
            period["alpha_ci"]
        )
    assert page.locator("table.over-time td[data-metric=codebook]").first.inner_text() == (
        "before any named version"
    )
    # The code x period table: one row per code, a column per round and period.
    codes = page.locator("table.over-time-codes tbody tr")
    assert codes.count() == len(body["periods"][0]["codes"])
    assert page.locator("table.over-time-codes thead th").count() == 1 + 5
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "over-time.png"), full_page=True)
    page.locator("#ot-table-h").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "over-time-table.png"))
    # Mouse: the CSV export downloads.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename.startswith(f"agreement-over-time-{study.pk}-")

    # The methods appendix carries the same rounds and periods.
    page.goto(
        reverse("coding:methods_appendix", args=[study.pk])
        + f"?layers={keys[0]}&layers={keys[1]}&bootstrap=200"
    )
    caption = page.get_by_text("Agreement over time: calibration rounds", exact=False)
    caption.scroll_into_view_if_needed()
    assert caption.is_visible()
    page.screenshot(path=str(SHOTS / "appendix-over-time.png"))
