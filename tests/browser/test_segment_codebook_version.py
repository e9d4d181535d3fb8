"""A coder sees under which codebook version a highlight was coded, in its popover (opened
with the mouse and with J then Enter), and on the retrieval page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from coding.codebook.versions import version_create
from coding.models import CodebookVersion, Segment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import TEXT, coding_study, page_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-agr14"))
T1 = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def test_the_popover_says_under_which_version_each_highlight_was_coded(page, login_as):
    s = coding_study()
    owner = factories.make_user(username="pi")
    factories.add_member(s["study"], owner, Role.OWNER)
    v1 = version_create(study=s["study"], name="v1 after calibration", actor=owner)
    CodebookVersion.objects.filter(pk=v1.pk).update(created_at=T1)
    layer = factories.make_layer(s["study"], s["bob"])
    a = TEXT.index("At first")
    shame = factories.make_segment(s["t"], s["shame"], layer, a, a + 30)
    hope = factories.make_segment(s["t"], s["hope"], layer, a + 10, a + 40)
    Segment.objects.filter(pk=shame.pk).update(created_at=T1 - dt.timedelta(days=3))
    Segment.objects.filter(pk=hope.pk).update(created_at=T1)  # exactly at the freeze
    login_as(s["bob"])
    page.goto(page_url(s))

    # Mouse: the run both cover lists both, each with its version.
    page.locator("mark.r").filter(has_text="not know").click()
    pop = page.locator("#seg-pop")
    # The popover opens once the mouse-up's selection check has run (a task later).
    pop.wait_for(state="visible")
    items = pop.locator("li")
    texts = {
        items.nth(i).locator("strong").inner_text(): items.nth(i)
        .locator(".seg-meta")
        .first.inner_text()
        for i in range(items.count())
    }
    assert "coded before any named version" in texts["Shame"]
    assert "coded under v1 after calibration" in texts["Hope"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "popover.png"))
    page.keyboard.press("Escape")

    # Keyboard: J moves to the first highlight, Enter opens its popover.
    page.locator("#transcript").focus()
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    pop.wait_for(state="visible")
    assert "coded before any named version" in pop.locator(".seg-meta").first.inner_text()
    page.keyboard.press("Escape")

    # A new highlight is coded under the current codebook (v1) without a reload.
    from tests.browser.coding_helpers import SELECT_JS

    page.evaluate(SELECT_JS, ["trusted me", 0])
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length >= 3")
    page.locator("mark.r").filter(has_text="trusted").first.click()
    pop.wait_for(state="visible")
    assert "coded under v1 after calibration" in pop.locator(".seg-meta").first.inner_text()

    # The retrieval page says it too.
    page.goto(f"/studies/{s['study'].pk}/retrieval/?code={s['shame'].pk}")
    assert page.locator(".retrieval-item .coded-under").first.inner_text() == (
        "coded before any named version"
    )
    page.screenshot(path=str(SHOTS / "retrieval.png"))
