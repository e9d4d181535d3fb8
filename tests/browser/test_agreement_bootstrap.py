"""A PI reads alpha with its bootstrap confidence interval on the agreement report in
Chromium, changes the replicates and the seed, and gets the interval the API gives for them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import Layer
from tests import factories
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-bootstrap"))


def test_a_pi_reads_alpha_with_its_interval_and_redraws_it_with_another_seed(page, login_as):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=8, segments_per_layer=30, target_chars=(2000, 4000)
    )
    keys = [la.key for la in Layer.objects.filter(study=study, kind="coder").order_by("pk")][:2]
    login_as(owner)
    page.goto(
        reverse("coding:agreement_report", args=[study.pk]) + f"?layers={keys[0]}&layers={keys[1]}"
    )

    # The overall interval, the unit and the transcripts it rests on are on the page.
    overall = page.locator('[data-metric="overall_alpha_ci"]')
    assert overall.inner_text().startswith("95% CI [")
    assert "B = 1,000 replicates" in page.locator(".overall-ci").inner_text()
    assert "Unit: the character" in page.locator(".overall-ci").inner_text()
    api = Client()
    api.force_login(owner)
    layers = ",".join(keys)
    body = api.get(f"/api/v1/studies/{study.pk}/agreement?layers={layers}").json()
    compared = page.locator(".compared-transcripts li")
    assert compared.all_inner_texts() == [t["title"] for t in body["transcripts_compared"]]
    assert compared.count() >= 2
    low, high = float(overall.get_attribute("data-low")), float(overall.get_attribute("data-high"))
    assert [low, high] == body["overall"]["alpha_ci"]
    # Every code row carries its interval column.
    assert page.get_by_role("columnheader", name="α 95% CI").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-default.png"), full_page=True)

    # Another seed and fewer replicates: the page redraws, as the API does for them.
    page.get_by_label("Replicates (B)").fill("500")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Update report").click()
    page.wait_for_url("**bootstrap=500**")
    assert "seed=7" in page.url
    again = api.get(
        f"/api/v1/studies/{study.pk}/agreement?layers={layers}&bootstrap=500&seed=7"
    ).json()
    overall = page.locator('[data-metric="overall_alpha_ci"]')
    shown = [float(overall.get_attribute("data-low")), float(overall.get_attribute("data-high"))]
    assert shown == again["overall"]["alpha_ci"]
    assert "B = 500 replicates" in page.locator(".overall-ci").inner_text()
    summary = page.locator("#methods-summary").inner_text()
    assert "500 replicates resampling whole transcripts" in summary and "seed 7" in summary
    page.locator(".overall-ci").screenshot(path=str(SHOTS / "overall-seed7.png"))
    page.locator(".report-about").screenshot(path=str(SHOTS / "about.png"))
    page.locator("form.agreement-form").screenshot(path=str(SHOTS / "form.png"))
    page.locator("table.agreement-table").screenshot(path=str(SHOTS / "code-table.png"))
