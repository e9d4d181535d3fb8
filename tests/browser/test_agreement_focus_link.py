"""A PI clicks a code in the agreement report's table and lands on that code's per-transcript
section (a fragment link: the page does not reopen at its top), with the mouse and the keys."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from coding.models import LayerKind, Segment
from tests import factories
from workbench.demo import build as demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    # (a pixel's tolerance above: the browser scrolls to sub-pixel positions)
    return box is not None and -1 <= box["y"] < page.viewport_size["height"] - box["height"]


def _study():
    owner = factories.make_user(username="pi")
    study = demo.build_demo_study(
        owner=owner, coders=2, transcripts_limit=8, segments_per_layer=30, target_chars=(3000, 5000)
    )
    return owner, study


def test_a_code_link_lands_on_its_per_transcript_section(page, login_as):
    owner, study = _study()
    login_as(owner)
    page.set_viewport_size({"width": 1400, "height": 700})
    page.goto(reverse("coding:agreement_report", args=[study.pk]))
    rows = page.locator("tr[data-code]")
    last = rows.nth(rows.count() - 1)
    code_pk = last.get_attribute("data-code")
    link = last.locator("th a")
    href = link.get_attribute("href")
    assert "?&" not in href and "&&" not in href
    assert href.endswith("#focus")
    link.click()
    page.wait_for_url(f"**focus={code_pk}#focus")
    query = urlsplit(page.url).query
    assert not query.startswith("&") and "&&" not in query
    page.locator("#focus").wait_for()
    assert _in_view(page, "#focus")
    assert page.evaluate("window.scrollY") > 0
    page.screenshot(path="/tmp/wf/agreement_focus_after.png")

    # The section's own links keep a well-formed query string too.
    back = page.get_by_role("link", name="Back to all codes").get_attribute("href")
    assert back == "?" or not back.startswith("?&")


def test_the_keyboard_path_to_a_code_lands_on_its_section_and_moves_focus(page, login_as):
    owner, study = _study()
    # One more transcript, coded by one coder only: its row says "Not compared".
    seg = Segment.objects.filter(layer__study=study, layer__kind=LayerKind.CODER).first()
    alone = factories.make_transcript(study, title="Only one coder", text="P01: words " * 20)
    factories.make_segment(alone, seg.code, seg.layer, 0, 9)
    login_as(owner)
    page.set_viewport_size({"width": 1400, "height": 700})
    page.goto(reverse("coding:agreement_report", args=[study.pk]))
    link = page.locator(f'tr[data-code="{seg.code_id}"] th a')
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#focus")
    page.locator("#focus").wait_for()
    assert _in_view(page, "#focus")
    # Focus is on the section's heading, so the next Tab reaches the section's first link.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'focus'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Back to all codes"
    # Every row of the section's table ends where its header ends, the "Not compared" rows
    # too (they span the κ column when two layers are compared): no row looks shifted.
    table = page.locator("section[aria-labelledby='focus'] table")
    head = table.locator("thead tr").bounding_box()
    missing = table.locator("tr.status-missing").first
    missing.scroll_into_view_if_needed()
    cells = missing.locator("td")
    last = cells.nth(cells.count() - 1).bounding_box()
    assert abs((last["x"] + last["width"]) - (head["x"] + head["width"])) <= 1
    assert "Not compared" in missing.inner_text()
