"""The picker from the keyboard: Space, Ctrl+Space, Enter and the Create row (issue 8, defect 6).

Typing a space keeps filtering by several words; ticking several codes is shown on screen;
a new code is created only when the user moves to the Create row and chooses it.
"""

from __future__ import annotations

import os

import pytest

from coding.models import Code, Segment
from tests import factories
from tests.browser.coding_helpers import SELECT_JS, TEXT, coding_study, page_url, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTE = "trusted me 𠝹 and my"


@pytest.fixture
def setup(db):
    s = coding_study()
    guilt = factories.make_code(s["study"], name="Guilt", color="#009E73")
    s["formal"] = factories.make_code(
        s["study"], name="Formal accountability", parent=guilt, color="#009E73"
    )
    factories.make_code(s["study"], name="Informal", parent=guilt, color="#009E73", position=1)
    return s


@pytest.fixture
def box(setup, page, login_as):
    """The picker's filter box, open on QUOTE."""
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.evaluate(SELECT_JS, [QUOTE, 0])
    box = page.get_by_role("combobox", name="Code", exact=True)
    box.wait_for()
    return box


def options(page):
    return page.locator("#picker-list [role=option]")


def test_a_space_in_the_filter_keeps_filtering_by_several_words(setup, page, box):
    box.press_sequentially("formal guilt")
    assert box.input_value() == "formal guilt"
    assert options(page).first.inner_text().split("\n")[-2:] == ["Formal accountability", "Guilt"]
    assert page.locator("#picker-list [aria-selected=true]").count() == 0  # Space ticked nothing
    box.press("Enter")
    page.wait_for_selector("mark.r")
    assert list(Segment.objects.values_list("code", "start", "end")) == [
        (setup["formal"].pk, *span_of(TEXT, QUOTE))
    ]
    assert Code.objects.count() == 5  # no code was created


def test_enter_does_not_create_a_code_nobody_chose(setup, page, box):
    box.press_sequentially("feelings of guilt")
    assert options(page).last.inner_text() == "Create ‘feelings of guilt’ at the top level"
    box.press("Enter")
    alert = page.get_by_role("dialog", name="Apply codes to the selection").get_by_role("alert")
    assert alert.inner_text() == (
        "No code matches ‘feelings of guilt’; choose ‘Create ‘feelings of guilt’ at the top "
        "level’ (Ctrl+Enter, or click it) to add it."
    )
    assert Code.objects.count() == 5 and not Segment.objects.exists()
    # Ctrl+Enter, the Create row's own key, does create the code, on purpose.
    box.press("Control+Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.code.name, seg.start, seg.end) == ("feelings of guilt", *span_of(TEXT, QUOTE))


def test_several_codes_are_ticked_from_the_keyboard_as_the_picker_says(setup, page, box):
    picker = page.get_by_role("dialog", name="Apply codes to the selection")
    assert "Ctrl+Space" in picker.locator("#picker-help").inner_text()
    box.press_sequentially("sha")
    keys = picker.locator("#picker-keys")
    assert "Space types a space · Ctrl+Space ticks ‘Shame’" in keys.inner_text()
    box.press("Control+ ")
    assert box.input_value() == "sha"
    box.fill("hope")
    box.press("Control+ ")
    assert picker.locator("#picker-summary").inner_text() == (
        "Apply codes the selection with ‘Shame’, ‘Hope’ (ticked)."
    )
    box.press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    assert sorted(Segment.objects.values_list("code__name", "start", "end")) == [
        ("Hope", *span_of(TEXT, QUOTE)),
        ("Shame", *span_of(TEXT, QUOTE)),
    ]


def test_after_arrowing_space_ticks_instead_of_typing(setup, page, box):
    box.press_sequentially("guilt")
    box.press("ArrowDown")  # the second match
    assert "Space ticks ‘" in page.locator("#picker-keys").inner_text()
    box.press(" ")
    assert box.input_value() == "guilt"
    assert page.locator("#picker-list [aria-selected=true]").count() == 1


def test_arrowing_past_the_only_match_does_not_create_a_code(setup, page, box):
    """Typing "hop", then ↓ once (past Hope, highlighted already) and Enter: the walk's
    slip. Enter on the Create row says how to create instead of creating silently."""
    box.press_sequentially("hop")
    assert options(page).first.get_attribute("aria-label") == "Hope"
    box.press("ArrowDown")
    live = page.locator("#coding-live")
    page.wait_for_function(
        "document.getElementById('coding-live').textContent.includes('Ctrl+Enter creates')"
    )
    assert "Create ‘hop’ at the top level" in live.inner_text()
    box.press("Enter")
    alert = page.get_by_role("dialog", name="Apply codes to the selection").get_by_role("alert")
    assert "Ctrl+Enter" in alert.inner_text()
    page.wait_for_timeout(300)
    os.makedirs("/tmp/shots-walkfix", exist_ok=True)
    page.screenshot(path="/tmp/shots-walkfix/picker_create_row.png")
    assert Code.objects.count() == 5 and not Segment.objects.exists()
    # ↑ back to Hope and Enter applies it.
    box.press("ArrowUp")
    box.press("Enter")
    page.wait_for_selector("mark.r")
    assert list(Segment.objects.values_list("code__name", flat=True)) == ["Hope"]
    assert Code.objects.count() == 5


def test_undoing_a_coding_with_a_new_code_says_the_code_stays(setup, page, box):
    box.press_sequentially("hop")
    box.press("Control+Enter")
    page.wait_for_selector("mark.r")
    assert list(Segment.objects.values_list("code__name", flat=True)) == ["hop"]
    page.locator("#toast").get_by_role("button", name="Undo").click()
    page.wait_for_function("document.getElementById('toast').textContent.includes('Undone')")
    toast = page.locator("#toast").inner_text()
    assert "‘hop’" in toast and "stays in the codebook" in toast, toast
    assert not Segment.objects.exists()
    assert Code.objects.filter(name="hop").exists()
