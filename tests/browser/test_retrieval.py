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


def test_a_pi_pages_through_passages_and_marks_a_changed_one_reviewed(page, login_as, study, owner):
    from coding.models import Segment
    from tests import factories

    code = factories.make_code(study, name="Lived experience")
    layer = factories.make_layer(study)  # the consensus layer: the owner writes it
    text = "".join(f"Turn {i}: 我 shared 𠝹 what helped me. " for i in range(200))
    transcript = factories.make_transcript(study, title="P07 T2", text=text)
    spans = [(m.start(), m.start() + 6) for m in re.finditer("shared", text)][:130]
    for start, end in spans:
        factories.make_segment(transcript, code, layer, start, end)
    changed = Segment.objects.get(transcript=transcript, start=spans[104][0])
    changed.needs_review = True
    changed.quote_at_coding = "shared it"
    changed.save()
    login_as(owner)
    page.goto(reverse("coding:retrieval", args=[study.pk]) + f"?code={code.pk}")
    results = page.locator("#retrieval-results")
    assert results.get_by_text("130 segments").is_visible()
    assert results.locator("li.retrieval-item").count() == 100
    page.evaluate("window.__noReload = true")

    results.get_by_role("link", name="Next").click()
    results.get_by_text("Page 2 of 2").wait_for()
    assert results.locator("li.retrieval-item").count() == 30
    page.wait_for_url(re.compile(r"page=2"))
    item = results.locator(f"#r-seg-{changed.pk}")
    assert "Changed since coding: needs review" in item.inner_text()
    assert item.locator("blockquote mark").inner_text() == "shared"
    assert "Turn 104: 我 shared 𠝹 what helped me." in item.locator("blockquote").inner_text()

    item.get_by_role("button", name=re.compile("Mark reviewed")).click()
    results.locator(f"#r-seg-{changed.pk}").get_by_role("status").wait_for()
    assert results.locator(f"#r-seg-{changed.pk}").get_by_role("status").inner_text() == "Reviewed"
    assert page.evaluate("window.__noReload") is True
    changed.refresh_from_db()
    assert changed.needs_review is False
    page.screenshot(path="/tmp/retr/reviewed.png", full_page=False)
