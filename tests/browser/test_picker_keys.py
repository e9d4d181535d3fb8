"""The picker from the keyboard: Space, Ctrl+Space, Enter and the Create row (issue 8, defect 6).

Typing a space keeps filtering by several words; ticking several codes is shown on screen;
a new code is created only when the user moves to the Create row and chooses it.
"""

from __future__ import annotations

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
        "level’ (↓ then Enter, or click it) to add it."
    )
    assert Code.objects.count() == 5 and not Segment.objects.exists()
    # Moving to the Create row and choosing it does create the code, on purpose.
    box.press("ArrowDown")
    box.press("Enter")
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
