from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.coding.test_retrieval import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_pulls_out_a_code_and_narrows_it_without_reloading(
    page, login_as, study, owner, coder, coder2
):
    world = build_world(study, owner, coder, coder2)
    login_as(owner)
    page.goto(reverse("coding:retrieval", args=[study.pk]))
    assert page.get_by_text("Choose a code to read every passage").is_visible()
    # A marker on window survives htmx swaps but not a full page load.
    page.evaluate("window.__noReload = true")

    page.get_by_label("Code", exact=True).select_option(label="Stigma › Shame")
    results = page.locator("#retrieval-results")
    results.get_by_text("20 segments").wait_for()
    assert results.locator("mark", has_text="我唔知自己嘅角色").count() == 4
    page.wait_for_url(re.compile(rf"code={world.codes.shame.pk}"))

    page.get_by_label("Wave", exact=True).select_option(label="T2")
    results.get_by_text("8 segments").wait_for()
    assert results.locator("mark", has_text="我唔知自己嘅角色").count() == 0
    page.wait_for_url(re.compile(rf"wave={world.waves[1].pk}"))

    page.get_by_label("Layer", exact=True).select_option(label="Consensus")
    results.get_by_text("2 segments").wait_for()
    assert set(results.locator(".retrieval-meta").all_inner_texts()) == {
        "P01 · Peer support workers · T2 · P01 T2 · Layer: Consensus",
        "P03 · Peer support workers · T2 · P03 T2 · Layer: Consensus",
    }
    assert page.evaluate("window.__noReload") is True

    link = results.get_by_role("link", name=re.compile("Open in transcript")).first
    href = link.get_attribute("href")
    assert "focus=" in href and "#seg-" in href and "layer=consensus" in href

    # Back restores the previous filter state from history.
    page.go_back()
    results.get_by_text("8 segments").wait_for()
