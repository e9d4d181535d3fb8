"""Keyboard defects a QA walk found on the coding page: "?" opens the shortcuts from
anywhere but text fields; Shift+→ extends by a sentence only to the end of the turn (never
into the next speaker's label); Enter on a codebook item keeps focus on that item after
the page reloads to show the code."""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests.browser.coding_helpers import TEXT, coding_study, page_url, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coder_page(db, page, login_as):
    s = coding_study()
    login_as(s["bob"])
    page.goto(page_url(s))
    return s, page


def shortcuts_open(page):
    return page.evaluate("document.getElementById('shortcuts').open")


def test_question_mark_opens_the_shortcuts_from_the_toolbar_and_codebook(coder_page):
    s, page = coder_page
    for target in (
        page.get_by_role("button", name="Undo"),
        page.get_by_role("tree", name="Codebook").get_by_role("treeitem").first,
    ):
        target.focus()
        page.keyboard.press("?")
        assert shortcuts_open(page)
        page.keyboard.press("Escape")
        assert not shortcuts_open(page)
    # Inside a text field "?" is a character.
    box = page.get_by_label("Filter codes")
    box.focus()
    page.keyboard.press("?")
    assert not shortcuts_open(page)
    assert box.input_value() == "?"


def test_shift_right_stops_at_the_end_of_the_turn(coder_page):
    s, page = coder_page
    page.locator("#transcript").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # turn 2: "P01: At first I did not know my role. 我唔知…"
    page.keyboard.press("Enter")  # its first sentence
    for _ in range(4):  # more than the turn holds
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("c")
    page.keyboard.type("hope")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    quote = "At first I did not know my role. 我唔知自己嘅角色。"
    assert list(Segment.objects.values_list("start", "end", "quote")) == [
        (*span_of(TEXT, quote), quote)
    ]


def test_alt_shift_right_stops_at_the_end_of_the_turn(coder_page):
    s, page = coder_page
    page.locator("#transcript").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+ArrowRight")
    for _ in range(5):
        page.keyboard.press("Alt+Shift+ArrowRight")
    page.keyboard.press("c")
    page.keyboard.type("hope")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert "Interviewer" not in seg.quote
    assert seg.end <= TEXT.index("\nInterviewer: And later?")


def test_enter_on_a_codebook_item_keeps_focus_on_it_after_the_reload(coder_page):
    s, page = coder_page
    tree = page.get_by_role("tree", name="Codebook")
    tree.get_by_role("treeitem").first.focus()
    page.keyboard.press("ArrowDown")  # Shame (the codes sort Hope, Shame)
    name = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert name.startswith("Shame")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "code=" in page.url
    page.wait_for_function(
        "document.activeElement && document.activeElement.getAttribute('role') === 'treeitem'"
    )
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Shame")
