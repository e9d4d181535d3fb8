"""Every way to apply codes from the picker saves, with the real mouse (issue 8, defect 1).

Offsets are checked in code points against Python: the passages sit after Chinese text and
after 𠝹 (one code point, two UTF-16 units).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coding.models import Segment
from tests import factories
from tests.browser.coding_helpers import (
    TEXT,
    coding_study,
    drag_select,
    page_url,
    scroll_to,
    span_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHINESE = "我唔知自己嘅角色。"
ASTRAL = "trusted me 𠝹 and my"


@pytest.fixture
def setup(db):
    return coding_study()


@pytest.fixture
def coder_page(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    return page


def picker(page):
    return page.get_by_role("dialog", name="Apply codes to the selection")


def tick(page, name):
    """Click the tick box of a code's row in the picker."""
    picker(page).get_by_role("option", name=name).locator(".tick").click()


def stored(setup):
    return sorted(Segment.objects.values_list("code__name", "start", "end", "quote", "memo"))


def wait_for_stripes(page, n):
    page.wait_for_function(f"document.querySelectorAll('.stripe').length === {n}")


def test_the_apply_button_saves_one_ticked_code(setup, coder_page):
    page = coder_page
    drag_select(page, CHINESE)
    tick(page, "Shame")
    picker(page).get_by_role("button", name="Apply").click()
    wait_for_stripes(page, 1)
    start, end = span_of(TEXT, CHINESE)
    assert stored(setup) == [("Shame", start, end, CHINESE, "")]
    assert "Saved" in page.locator("#save-status").inner_text()
    page.reload()
    assert page.locator("mark.r").inner_text() == CHINESE


def test_the_apply_button_saves_two_ticked_codes(setup, coder_page):
    page = coder_page
    drag_select(page, ASTRAL)
    tick(page, "Shame")
    tick(page, "Hope")
    picker(page).get_by_role("button", name="Apply").click()
    wait_for_stripes(page, 2)
    start, end = span_of(TEXT, ASTRAL)
    assert stored(setup) == [
        ("Hope", start, end, ASTRAL, ""),
        ("Shame", start, end, ASTRAL, ""),
    ]


def test_enter_in_the_filter_saves_the_matching_code(setup, coder_page):
    page = coder_page
    drag_select(page, ASTRAL)
    page.keyboard.type("hop")
    page.keyboard.press("Enter")
    wait_for_stripes(page, 1)
    assert stored(setup) == [("Hope", *span_of(TEXT, ASTRAL), ASTRAL, "")]


def test_clicking_a_code_name_in_the_picker_saves_it(setup, coder_page):
    page = coder_page
    drag_select(page, CHINESE)
    picker(page).get_by_role("option", name="Hope").locator(".leaf").click()
    wait_for_stripes(page, 1)
    assert stored(setup) == [("Hope", *span_of(TEXT, CHINESE), CHINESE, "")]


def test_clicking_a_code_in_the_codebook_saves_it(setup, coder_page):
    page = coder_page
    drag_select(page, CHINESE)
    page.locator("#codebook-panel").get_by_role("link", name="Shame").click()
    wait_for_stripes(page, 1)
    assert stored(setup) == [("Shame", *span_of(TEXT, CHINESE), CHINESE, "")]


def test_a_memo_and_ctrl_enter_save_the_ticked_code_with_its_memo(setup, coder_page):
    page = coder_page
    drag_select(page, ASTRAL)
    tick(page, "Hope")
    picker(page).get_by_label("Memo").click()
    page.keyboard.type("Trust grows 𠝹 信任")
    page.keyboard.press("Control+Enter")
    wait_for_stripes(page, 1)
    assert stored(setup) == [("Hope", *span_of(TEXT, ASTRAL), ASTRAL, "Trust grows 𠝹 信任")]


def test_a_memo_and_the_apply_button_save_together(setup, coder_page):
    page = coder_page
    drag_select(page, CHINESE)
    tick(page, "Shame")
    picker(page).get_by_label("Memo").fill("角色 unclear")
    picker(page).get_by_role("button", name="Apply").click()
    wait_for_stripes(page, 1)
    assert stored(setup) == [("Shame", *span_of(TEXT, CHINESE), CHINESE, "角色 unclear")]


def test_apply_with_nothing_to_apply_says_why_and_saves_nothing(setup, coder_page):
    page = coder_page
    drag_select(page, CHINESE)
    picker(page).get_by_role("combobox", name="Code").fill("zzz")
    picker(page).get_by_role("button", name="Apply").click()
    # The message is written just after the click (the alert is filled on the next tick, so
    # screen readers announce it): wait for it rather than read it at once.
    expect(picker(page).get_by_role("alert")).to_contain_text("No code matches ‘zzz’")
    assert picker(page).is_visible()
    assert page.locator("#save-status").inner_text() != "Saving…"
    assert not Segment.objects.exists()


def test_coding_a_passage_keeps_the_page_where_it_was(db, page, login_as):
    turns = "\n".join(f"P01: Turn {n} is about family and work, 家庭 {n}." for n in range(300))
    s = coding_study(turns)
    login_as(s["bob"])
    page.goto(page_url(s))
    turn = page.locator(".turn").filter(has_text="Turn 125 is about family")
    scroll_to(page, turn)
    assert page.evaluate("scrollY") > 3000
    drag_select(page, "Turn 125 is about family")
    top = turn.bounding_box()["y"]
    tick(page, "Hope")
    picker(page).get_by_role("button", name="Apply").click()
    wait_for_stripes(page, 1)
    # The passage just coded is still where it was on screen.
    assert abs(turn.bounding_box()["y"] - top) < 5
    assert stored(s) == [
        ("Hope", *span_of(turns, "Turn 125 is about family"), "Turn 125 is about family", "")
    ]


def test_a_category_is_not_offered_and_its_codes_are(db, page, login_as):
    """A category (a code that is not applied to text) can hold codes; the picker offers
    its codes, not the category, even when the filter names it."""
    s = coding_study()
    s["shame"].is_codable = False
    s["shame"].save()
    child = factories.make_code(s["study"], name="Shame at work", parent=s["shame"])
    login_as(s["bob"])
    page.goto(page_url(s))
    drag_select(page, CHINESE)
    picker(page).get_by_role("combobox", name="Code").fill("Shame")
    options = picker(page).get_by_role("option")
    expect(options.filter(has_text="Shame at work")).to_have_count(1)
    names = [name.strip() for name in options.all_inner_texts()]
    assert not any(name.startswith("Shame") and "at work" not in name for name in names), names
    picker(page).get_by_role("option", name="Shame at work").locator(".tick").click()
    picker(page).get_by_role("button", name="Apply").click()
    wait_for_stripes(page, 1)
    assert list(Segment.objects.values_list("code_id", flat=True)) == [child.pk]
