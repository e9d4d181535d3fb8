"""A keyboard coder reaches the transcript in a few keys; the codebook is one tab stop
(the ARIA tree pattern: roving tabindex, arrows inside). Issue 8, defect 16."""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests import factories
from tests.browser.coding_helpers import TEXT, coding_study, page_url, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(db):
    s = coding_study()
    guilt = factories.make_code(s["study"], name="Guilt", color="#009E73")
    factories.make_code(s["study"], name="Formal accountability", parent=guilt)
    factories.make_code(s["study"], name="Informal", parent=guilt, position=1)
    factories.make_code(s["study"], name="Stigma", color="#CC79A7", position=1)
    # Enough codes that one tab stop each would be noticed.
    for n in range(40):
        factories.make_code(s["study"], name=f"Extra {n:02d}", parent=guilt, position=2 + n)
    return s


def focused(page):
    return page.evaluate(
        "(() => { const a = document.activeElement;"
        " return a.id || a.getAttribute('aria-label') || a.textContent.trim(); })()"
    )


def test_the_transcript_is_reached_within_three_tabs_from_page_load(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    tabs = 0
    while focused(page) != "transcript" and tabs < 100:
        page.keyboard.press("Tab")
        tabs += 1
        if focused(page) == "Skip to transcript":
            page.keyboard.press("Enter")
    assert tabs <= 3, f"{tabs} Tab presses to reach the transcript"
    assert focused(page) == "transcript"
    # And coding starts at once: Enter selects a sentence, C opens the picker.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.press("c")
    page.keyboard.type("shame")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    quote = "At first I did not know my role."
    assert list(Segment.objects.values_list("start", "end")) == [span_of(TEXT, quote)]


def test_the_codebook_tree_is_one_tab_stop_with_arrow_keys_inside(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    tree = page.get_by_role("tree", name="Codebook")
    items = tree.get_by_role("treeitem")
    assert items.count() == 46
    page.get_by_label("Filter codes").focus()
    page.keyboard.press("Tab")
    assert focused(page).startswith("Guilt")
    page.keyboard.press("Tab")  # one stop: the next Tab leaves the tree
    assert focused(page) == "transcript"
    page.keyboard.press("Shift+Tab")
    assert focused(page).startswith("Guilt")

    guilt = tree.get_by_role("treeitem", name="Guilt", exact=False).first
    assert guilt.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowRight")  # expanded: → enters the first child
    assert focused(page).startswith("Guilt › Formal accountability")
    page.keyboard.press("ArrowDown")
    assert focused(page).startswith("Guilt › Informal")
    page.keyboard.press("ArrowLeft")  # on a child: ← goes to the parent
    assert focused(page).startswith("Guilt,")
    page.keyboard.press("ArrowLeft")  # on an expanded parent: ← collapses it
    assert guilt.get_attribute("aria-expanded") == "false"
    assert not tree.get_by_role("treeitem", name="Guilt › Informal", exact=False).is_visible()
    page.keyboard.press("ArrowDown")  # children are skipped while collapsed
    assert focused(page).startswith("Hope")
    page.keyboard.press("End")
    assert focused(page).startswith("Stigma")
    page.keyboard.press("Home")
    assert focused(page).startswith("Guilt")
    page.keyboard.press("ArrowRight")  # collapsed: → expands
    assert guilt.get_attribute("aria-expanded") == "true"
    # Exactly one item is in the tab order at any time (roving tabindex).
    assert tree.locator("[tabindex='0']").count() == 1
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
