"""Journey (b): a coder codes a transcript with the mouse, then with the keyboard only.

Driven through what is on screen (roles, labels, visible text) and checked against the
database in code points (Python's text[start:end]): the text has Chinese and 𠝹, one code
point but two UTF-16 units, before the passages coded.
"""

from __future__ import annotations

import re

import pytest

from coding.models import Segment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import SEGMENTS_AT, drag_select, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Interviewer: How did your family react?\n"
    "P01: My family worried about me. 家人好擔心我。 They feared the stigma.\n"
    "Interviewer: And at work?\n"
    "P01: At work the team trusted me 𠝹 and my lived experience helped others. "
    "I felt hope again."
)


@pytest.fixture
def study(db):
    study = factories.make_study(name="Peer support")
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1")
    for name, color in [("Shame", "#D55E00"), ("Stigma", "#CC79A7"), ("Hope", "#0072B2")]:
        factories.make_code(study, name=name, color=color)
    return {"study": study, "bob": bob, "t": transcript}


# --- what the coder does, in their words ------------------------------------------------


def open_the_transcript(page, s):
    page.goto(f"/studies/{s['study'].pk}/transcripts/{s['t'].pk}/")
    page.get_by_role("heading", name="P01 T1").wait_for()


def the_picker(page):
    return page.get_by_role("dialog", name="Apply codes to the selection")


def select_with_the_mouse(page, passage):
    drag_select(page, passage)


def the_row(page, code):
    """The picker's row for a code (recent codes are named "Stigma, recent 2")."""
    return the_picker(page).get_by_role("option", name=re.compile(f"^{code}(, recent \\d)?$"))


def tick(page, *codes):
    for code in codes:
        the_row(page, code).locator(".tick").click()


def click_apply(page):
    the_picker(page).get_by_role("button", name="Apply").click()


def type_in_the_picker(page, words):
    the_picker(page).get_by_role("combobox", name="Code").press_sequentially(words)


def click_the_code(page, code):
    the_row(page, code).get_by_text(code).click()


def write_a_memo_and_press_ctrl_enter(page, memo):
    the_picker(page).get_by_label("Memo").fill(memo)
    the_picker(page).get_by_label("Memo").press("Control+Enter")


def wait_until_saved(page, highlights):
    page.wait_for_function(f"document.querySelectorAll('.stripe').length === {highlights}")
    page.get_by_role("status").filter(has_text="Coded").wait_for()


def the_coding(s):
    """What is stored: (code, start, end, quote, memo), in code points."""
    return sorted(
        Segment.objects.filter(transcript=s["t"]).values_list(
            "code__name", "start", "end", "quote", "memo"
        )
    )


def coded(code, passage, memo=""):
    return (code, *span_of(TEXT, passage), passage, memo)


def focused(page):
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


# --- the journey --------------------------------------------------------------------------

FAMILY = "My family worried about me."
CHINESE = "家人好擔心我。"
FEARED = "They feared the stigma."
TRUSTED = "trusted me 𠝹 and my"
LIVED = "lived experience"
WORK = "At work the team trusted me 𠝹 and my lived experience helped others."
HOPE_AGAIN = "I felt hope again."


def test_a_coder_codes_with_the_mouse_then_the_keyboard_and_nothing_moves(study, page, login_as):
    s = study
    login_as(s["bob"])
    open_the_transcript(page, s)

    # With the mouse: select the sentence about family, tick Shame and Stigma, click Apply.
    select_with_the_mouse(page, FAMILY)
    tick(page, "Shame", "Stigma")
    click_apply(page)
    wait_until_saved(page, 2)
    assert the_coding(s) == [coded("Shame", FAMILY), coded("Stigma", FAMILY)]

    # Select the Chinese sentence, type "hope", press Enter.
    select_with_the_mouse(page, CHINESE)
    type_in_the_picker(page, "hope")
    page.keyboard.press("Enter")
    wait_until_saved(page, 3)
    assert coded("Hope", CHINESE) in the_coding(s)

    # Select the sentence about stigma and click the code Stigma.
    select_with_the_mouse(page, FEARED)
    click_the_code(page, "Stigma")
    wait_until_saved(page, 4)
    assert coded("Stigma", FEARED) in the_coding(s)

    # Select the words after 𠝹, tick Hope, write a memo, press Ctrl+Enter.
    select_with_the_mouse(page, TRUSTED)
    tick(page, "Hope")
    write_a_memo_and_press_ctrl_enter(page, "Trust 𠝹 信任")
    wait_until_saved(page, 5)
    assert coded("Hope", TRUSTED, "Trust 𠝹 信任") in the_coding(s)

    # Select "lived experience", tick only Hope, click Apply.
    select_with_the_mouse(page, LIVED)
    tick(page, "Hope")
    click_apply(page)
    wait_until_saved(page, 6)
    assert coded("Hope", LIVED) in the_coding(s)

    # Now the keyboard only, from a fresh page: the first Tab is the skip link.
    open_the_transcript(page, s)
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to transcript"
    page.keyboard.press("Enter")
    assert focused(page) == "transcript"

    # Go down to the fourth turn, Enter selects its first sentence, C opens the picker.
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("c")
    assert the_picker(page).is_visible()
    assert the_picker(page).locator("#picker-quote").inner_text() == f"“{WORK}”"
    # Tick Shame and Stigma as the picker says (Ctrl+Space while typing), Enter applies both.
    assert "Ctrl+Space" in the_picker(page).inner_text()
    page.keyboard.type("sha")
    page.keyboard.press("Control+ ")
    page.keyboard.press("Control+a")
    page.keyboard.type("stig")
    page.keyboard.press("Control+ ")
    assert "‘Shame’, ‘Stigma’ (ticked)" in the_picker(page).inner_text()
    page.keyboard.press("Enter")
    wait_until_saved(page, 8)
    assert focused(page) == "transcript"
    # These overlap the Hope highlights: "trusted" now carries three codes.
    trusted = page.locator("mark.r").filter(has_text="trusted")
    assert len(trusted.first.evaluate(SEGMENTS_AT)) == 3

    # → moves to the next sentence, C, "hope", Enter.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("c")
    page.keyboard.type("hope")
    page.keyboard.press("Enter")
    wait_until_saved(page, 9)
    assert coded("Hope", HOPE_AGAIN) in the_coding(s)

    # Undo that one with Ctrl+Z.
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 8")
    page.get_by_role("status").filter(has_text="Undone").wait_for()

    expected = [
        coded("Hope", CHINESE),
        coded("Hope", LIVED),
        coded("Hope", TRUSTED, "Trust 𠝹 信任"),
        coded("Shame", WORK),
        coded("Shame", FAMILY),
        coded("Stigma", WORK),
        coded("Stigma", FAMILY),
        coded("Stigma", FEARED),
    ]
    assert the_coding(s) == sorted(expected)

    # Reload: everything is where it was, on screen and in the database.
    page.reload()
    assert page.locator(".stripe").count() == 8
    # Each stored highlight is drawn over exactly its passage.
    for pk, quote in Segment.objects.values_list("pk", "quote"):
        drawn = page.evaluate(
            "(id) => [...document.querySelectorAll('#transcript mark.r')]"
            ".filter((m) => window.codingPage.segmentsAt(Number(m.dataset.start)).includes(id))"
            ".map((m) => m.textContent).join('')",
            pk,
        )
        assert drawn == quote
    assert not page.locator("mark.r").filter(has_text="hope again").count()
    assert the_coding(s) == sorted(expected)
