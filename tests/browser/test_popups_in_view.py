"""The code picker and the segment popover stay inside a 900 px tall window when the
passage is near its bottom edge: Apply and Save memo can be seen and clicked where they
are, without scrolling (a QA walk found both below the fold)."""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests import factories
from tests.browser.coding_helpers import coding_study, drag_select, page_url, scroll_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-walkfix"

# The element at the centre of ``el`` is ``el`` (or inside it), and ``el`` lies wholly
# inside the window: a person can see it and click it without scrolling.
IN_VIEW_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {top: r.top, bottom: r.bottom, height: innerHeight,
          inside: r.top >= 0 && r.bottom <= innerHeight && r.height > 0,
          clickable: Boolean(hit && (hit === el || el.contains(hit)))};
}"""


def assert_in_view(locator):
    got = locator.evaluate(IN_VIEW_JS)
    assert got["inside"] and got["clickable"], got


# Two frames: a popup whose size changed (a code ticked, a memo typed) is placed again by
# its ResizeObserver before the next paint; a person clicks where it is then, not where it
# was the moment before.
FRAMES_JS = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def bring_near_bottom(page, turn, gap=40):
    """Scroll so that ``turn``'s text ends ``gap`` px above the window's bottom edge."""
    scroll_to(page, turn)
    for _ in range(5):
        box = turn.bounding_box()
        page.evaluate(f"scrollBy(0, {box['y'] + box['height'] - 900 + gap})")
        page.wait_for_timeout(100)
    box = turn.bounding_box()
    assert abs(box["y"] + box["height"] - (900 - gap)) < 30, box


@pytest.fixture
def long_page(db, page, login_as):
    turns = "\n".join(f"P01: Turn {n} is about family and work, 家庭 {n}." for n in range(80))
    s = coding_study(turns)
    s["text"] = turns
    # A real codebook's worth of codes: the picker's list is as tall as it gets.
    for n in range(14):
        factories.make_code(s["study"], name=f"Theme {n:02d}")
    login_as(s["bob"])
    page.goto(page_url(s))
    return s, page


# The passage's lower edge this far above the window's bottom: at the very bottom, where
# the popup grows after opening, and in the middle where neither side holds it whole.
GAPS = [40, 250, 450]


@pytest.mark.parametrize("gap", GAPS)
def test_the_picker_stays_in_the_window_and_apply_is_clickable(long_page, gap):
    import os

    s, page = long_page
    turn = page.locator(".turn").filter(has_text="Turn 60 is about family")
    bring_near_bottom(page, turn, gap)
    drag_select(page, "Turn 60 is about family")
    picker = page.get_by_role("dialog", name="Apply codes to the selection")
    apply = picker.get_by_role("button", name="Apply")
    assert_in_view(apply)
    # Typing changes the list's height: the picker stays in the window.
    picker.get_by_role("combobox", name="Code").fill("o")
    page.wait_for_timeout(100)
    assert_in_view(apply)
    assert_in_view(picker.get_by_role("textbox", name="Memo (optional)"))
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/picker_gap{gap}.png")
    picker.get_by_role("option", name="Hope").locator(".tick").click()
    page.evaluate(FRAMES_JS)
    # A real click at the button's place (no scrolling into view first).
    box = apply.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelectorAll('.stripe').length === 1")
    assert list(Segment.objects.values_list("code__name", "quote")) == [
        ("Hope", "Turn 60 is about family")
    ]


@pytest.mark.parametrize("gap", GAPS)
def test_the_popover_memo_box_and_save_stay_in_the_window(long_page, gap):
    import os

    s, page = long_page
    text = s["text"]
    start = text.index("Turn 60 is about family")
    layer = factories.make_layer(s["study"], s["bob"])
    seg = factories.make_segment(s["t"], s["shame"], layer, start, start + 7)
    # Three more codes at the same place: the popover lists four.
    for code in (s["hope"], *s["study"].codes.filter(name__startswith="Theme")[:2]):
        factories.make_segment(s["t"], code, layer, start, start + 12)
    page.reload()
    turn = page.locator(".turn").filter(has_text="family and work, 家庭 60.")
    bring_near_bottom(page, turn, gap)
    mark = turn.locator("mark.r").first
    mark.click()
    pop = page.get_by_role("dialog", name="Codes here")
    pop.wait_for(state="visible")
    pop.get_by_role("button", name="Memo: Shame, by you").click()
    memo = pop.get_by_role("textbox")
    save = pop.get_by_role("button", name="Save memo")
    save.wait_for(state="visible")
    page.wait_for_timeout(100)
    assert_in_view(memo)
    assert_in_view(save)
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/popover_memo_gap{gap}.png")
    memo.fill("Said twice.")
    page.evaluate(FRAMES_JS)
    box = save.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.getElementById('save-status').textContent.includes('Saved')")
    seg.refresh_from_db()
    assert seg.memo == "Said twice."
