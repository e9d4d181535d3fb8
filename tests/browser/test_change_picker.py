"""Changing the code of one of two overlapping highlights: the picker names the highlight
being changed ("Change ‘Earning trust over time’ to…"), lists its code marked as the current
one (not applicable to itself), and the text shows that highlight's span, not the other's;
with the mouse and with the keys (J to the highlight, Enter, Enter on Change)."""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests.browser.popover_setup import SECOND, coding_url, overlap_study, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the text shows while the picker is open: the focused highlight's runs and the
# pending (picker's) span.
SHOWN_JS = """() => ({
  focused: Array.from(document.querySelectorAll('#transcript mark.r.is-focus')).map((m) => m.textContent).join(''),
  pending: (() => {
    const h = CSS.highlights.get('pending');
    if (!h) return null;
    // The range's words as shown (without the screen readers' "end of …" notes).
    const box = document.createElement('div');
    box.append([...h][0].cloneContents());
    box.querySelectorAll('.sr-only, .cm').forEach((el) => el.remove());
    return box.textContent;
  })(),
})"""


def _check_the_picker(page, s):
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    title = page.locator("#picker-title")
    assert title.inner_text() == "Change ‘Earning trust over time’ to…"
    assert picker.get_attribute("aria-label") == "Change ‘Earning trust over time’ to…"
    current = picker.locator("[role=option].is-current")
    assert current.count() == 1
    assert current.locator(".leaf").inner_text() == "Earning trust over time"
    assert "current" in current.inner_text()
    assert current.get_attribute("aria-selected") == "true"
    # The active row (what Enter applies) is another code.
    active = picker.locator("[role=option].is-active")
    assert active.locator(".leaf").inner_text() != "Earning trust over time"
    shown = page.evaluate(SHOWN_JS)
    assert shown == {"focused": SECOND, "pending": SECOND}
    return picker


def test_change_from_the_popover_of_overlapping_highlights_names_the_one_changed(
    browser, live_server
):
    s = overlap_study()
    context, page = page_for(browser, live_server, s["bob"], "en-GB")
    try:
        page.goto(coding_url(s), timeout=30_000)
        page.locator("mark.r", has_text="first of three").first.click()
        pop = page.locator("#seg-pop")
        pop.get_by_role("button", name="Change: Earning trust over time, by you").click()
        picker = _check_the_picker(page, s)
        page.screenshot(path="/tmp/wf/change_picker_mouse.png")
        # Its own code is not applied to itself: clicking it says so and changes nothing.
        picker.locator("[role=option].is-current").click()
        assert "already" in page.locator("#picker-msg").inner_text()
        assert picker.is_visible()
        page.locator("#picker-input").fill("unclear")
        page.locator("#picker-input").press("Enter")
        page.wait_for_function("!document.querySelector('#picker:not([hidden])')")
        page.wait_for_function(
            "document.querySelectorAll('.stripe-label').length === 2 && "
            "[...document.querySelectorAll('.stripe-label')].every((l) => "
            "l.textContent.includes('Unclear job description'))"
        )
        s["seg_earning"].refresh_from_db()
        assert s["seg_earning"].code == s["unclear"]
        assert Segment.objects.get(pk=s["seg_unclear"].pk).code == s["unclear"]
    finally:
        context.close()


def test_the_keyboard_path_to_change_names_the_highlight_changed(browser, live_server):
    s = overlap_study()
    context, page = page_for(browser, live_server, s["bob"], "en-GB")
    try:
        page.goto(coding_url(s), timeout=30_000)
        page.locator("#transcript").focus()
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.wait_for_function(
            "document.querySelector('#transcript mark.r.is-focus') && "
            "[...document.querySelectorAll('#transcript mark.r.is-focus')]"
            ".map((m) => m.textContent).join('').startsWith('first of three')"
        )
        page.keyboard.press("Enter")
        pop = page.locator("#seg-pop")
        pop.wait_for(state="visible")
        change = pop.get_by_role("button", name="Change: Earning trust over time, by you")
        page.wait_for_function("document.activeElement && document.activeElement.dataset.act")
        while page.evaluate("document.activeElement.dataset.act") != "change":
            page.keyboard.press("Tab")
        assert change.evaluate("(b) => b === document.activeElement")
        page.keyboard.press("Enter")
        _check_the_picker(page, s)
        page.screenshot(path="/tmp/wf/change_picker_keys.png")
        page.keyboard.press("Escape")
        page.wait_for_function("!document.querySelector('#picker:not([hidden])')")
    finally:
        context.close()
