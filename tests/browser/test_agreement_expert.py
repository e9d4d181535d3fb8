"""A PI turns on the expert measures of the agreement report in Chromium and reads alpha_U,
u-alpha and segment matching: the figures are those of the engine before the speed work."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from coding.agreement.loading import Scope, load_documents
from coding.models import Layer
from tests import factories
from tests.coding.agreement_oracle import segment_matching as old_segment_matching
from tests.coding.agreement_oracle import unitizing as old_unitizing
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_turns_on_the_expert_measures_and_reads_the_engine_figures(page, login_as):
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=5, segments_per_layer=30, target_chars=(3000, 5000)
    )
    layers = list(Layer.objects.filter(study=study).order_by("pk"))
    keys = [layer.key for layer in layers]
    login_as(owner)
    page.goto(
        reverse("coding:agreement_report", args=[study.pk]) + f"?layers={keys[0]}&layers={keys[1]}"
    )
    assert page.locator("#expert").count() == 0
    page.get_by_label("Expert measures").check()
    page.get_by_role("button", name="Update report").click()
    page.locator("#expert").wait_for()
    assert "expert=1" in page.url

    # Every code without subcodes shows the frozen engine's alpha_U, u-alpha and matches.
    loaded = load_documents(study, layers, Scope(), None)
    rows = page.locator("tr[data-code]")
    leaves = {}
    every_code = []
    for i in range(rows.count()):
        row = rows.nth(i)
        every_code.append(int(row.get_attribute("data-code")))
        if row.locator(".parent-note").count():
            continue
        leaves[int(row.get_attribute("data-code"))] = {
            metric: row.locator(f'[data-metric="{metric}"]').get_attribute("data-value")
            for metric in ("alpha_u", "u_alpha", "seg_agreement")
        }
    assert len(leaves) >= 5
    codes = every_code  # the overall alpha_U pools every code's own spans
    ua = old_unitizing.unitizing_alpha(loaded.documents, keys, codes, include_documents=False)
    u19 = old_unitizing.u_alpha_2019(loaded.documents, keys, codes, include_documents=False)
    sm = old_segment_matching.segment_matching(
        loaded.documents, keys, codes, min_overlap=study.segment_overlap_threshold
    )

    def raw(coefficient):
        return "" if coefficient.value is None else repr(coefficient.value)

    defined = 0
    for code, shown in leaves.items():
        assert shown["alpha_u"] == raw(ua.per_code[code].alpha), code
        assert shown["u_alpha"] == raw(u19.per_code[code].alpha), code
        assert shown["seg_agreement"] == raw(sm.per_code[code].agreement), code
        defined += shown["alpha_u"] != ""
    assert defined >= 3
    overall = page.locator('[data-metric="alpha_u_overall"]').get_attribute("data-value")
    assert overall == raw(ua.overall.alpha)
    summary = page.locator("#expert").locator("xpath=..").inner_text()
    assert f"{sm.n_disagree} unmatched" in summary
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        page.locator("#expert").scroll_into_view_if_needed()
        page.screenshot(path=os.path.join(shots, "agreement_expert.png"), full_page=False)
