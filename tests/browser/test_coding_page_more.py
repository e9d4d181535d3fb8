"""The coding page in real Chromium: mouse handles to adjust a span, find-and-code.

Both run on text with 𠝹 (one code point, two UTF-16 units) before the passage, so any
offset counted in UTF-16 units would be off by one against Python's.
"""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests import factories
from tests.browser.coding_helpers import CHAR_POINT_JS, coding_study, page_url
from tests.browser.coding_helpers import TEXT as BASE_TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = BASE_TEXT + " Later still, experience mattered."


@pytest.fixture
def setup(db):
    return coding_study(TEXT)


def drag_handle(page, edge, target):
    handle = page.locator(f".adjust-handle.adjust-{edge}")
    box = handle.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"], target["y"], steps=8)
    page.mouse.up()


def test_dragging_the_handles_adjusts_the_span_in_code_points(setup, page, login_as):
    s = setup
    start = TEXT.index("lived")
    factories.make_segment(
        s["t"], s["hope"], factories.make_layer(s["study"], s["bob"]), start, start + 5
    )
    login_as(s["bob"])
    page.goto(page_url(s))
    page.locator("mark.r").click()
    page.locator("#seg-pop").get_by_role("button", name="Adjust span: Hope, by you").click()
    start_handle = page.get_by_role("button", name="Start of the span", exact=False)
    end_handle = page.get_by_role("button", name="End of the span", exact=False)
    assert start_handle.is_visible() and end_handle.is_visible()

    # Start onto 𠝹 (its left edge), end onto the last letter of "experience" (right edge).
    drag_handle(page, "start", page.evaluate(CHAR_POINT_JS, ["𠝹", 0, 0, -1]))
    drag_handle(page, "end", page.evaluate(CHAR_POINT_JS, ["experience", 0, 9, 1]))
    # Released: only a preview (the pending mark); nothing is stored yet.
    seg = Segment.objects.get()
    assert (seg.start, seg.end) == (start, start + 5)
    assert page.evaluate("CSS.highlights.has('pending')")
    assert page.locator(".adjust-bar").is_visible()
    page.screenshot(path="/tmp/shots/adjust-handles.png")

    page.keyboard.press("Enter")  # focus is on the handle just dragged
    quote = "𠝹 and my lived experience"
    page.wait_for_function(
        f"[...document.querySelectorAll('mark.r')].map(m => m.textContent).join('') === {quote!r}"
    )
    seg.refresh_from_db()
    assert (seg.start, seg.end) == (TEXT.index(quote), TEXT.index(quote) + len(quote))
    assert seg.quote == quote == TEXT[seg.start : seg.end]
    assert page.locator(".adjust-handle").count() == 0
    assert "Span adjusted" in page.locator("#toast").inner_text()
    page.screenshot(path="/tmp/shots/adjust.png", full_page=True)


def test_the_save_button_posts_a_dragged_span_and_cancel_discards(setup, page, login_as):
    s = setup
    start = TEXT.index("team")
    factories.make_segment(
        s["t"], s["shame"], factories.make_layer(s["study"], s["bob"]), start, start + 4
    )
    login_as(s["bob"])
    page.goto(page_url(s))
    page.locator("mark.r").click()
    page.locator("#seg-pop").get_by_role("button", name="Adjust span: Shame, by you").click()
    drag_handle(page, "end", page.evaluate(CHAR_POINT_JS, ["helped", 0, 5, 1]))
    page.locator(".adjust-bar").get_by_role("button", name="Cancel").click()
    assert page.locator(".adjust-handle").count() == 0
    assert not page.evaluate("CSS.highlights.has('pending')")

    page.locator("mark.r").click()
    page.locator("#seg-pop").get_by_role("button", name="Adjust span: Shame, by you").click()
    drag_handle(page, "end", page.evaluate(CHAR_POINT_JS, ["helped", 0, 5, 1]))
    page.locator(".adjust-bar").get_by_role("button", name="Save span").click()
    quote = "team trusted me 𠝹 and my lived experience helped"
    page.wait_for_function(
        f"[...document.querySelectorAll('mark.r')].map(m => m.textContent).join('') === {quote!r}"
    )
    seg = Segment.objects.get()
    assert (seg.start, seg.end, seg.quote) == (start, TEXT.index(quote) + len(quote), quote)


def test_find_and_code_a_word_after_an_astral_character(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    box = page.get_by_label("Find in transcript", exact=True)
    box.fill("EXPERIENCE")  # case-insensitive; two matches, both after 𠝹
    page.wait_for_function("document.getElementById('find-count').textContent === '2 matches'")
    assert page.evaluate("CSS.highlights.get('find').size") == 2
    assert not Segment.objects.exists()  # matches are a temporary mark, not segments

    box.press("Enter")  # first match, selected as the pending range
    assert page.locator("#find-count").inner_text() == "1 of 2"
    box.press("ArrowDown")  # second match
    assert page.locator("#find-count").inner_text() == "2 of 2"
    page.screenshot(path="/tmp/shots/find.png")
    box.press("ArrowUp")
    box.press("Enter")  # Enter on a selected match opens the picker on it
    page.wait_for_selector("#picker:not([hidden])")
    assert page.locator("#picker-quote").inner_text() == "“experience”"
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    word = "experience"
    assert (seg.start, seg.end) == (TEXT.index(word), TEXT.index(word) + len(word))
    assert seg.code == setup["hope"] and seg.quote == word

    # The second match, after the swap: ↓ twice from the first, then Enter.
    box.focus()
    box.press("ArrowDown")
    box.press("Enter")
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    second = TEXT.index(word, TEXT.index(word) + 1)
    seg2 = Segment.objects.get(code=setup["shame"])
    assert (seg2.start, seg2.end) == (second, second + len(word))

    box.press("Escape")
    assert box.input_value() == ""
    assert not page.evaluate("CSS.highlights.has('find')")


def test_c_in_the_transcript_codes_the_selected_match(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    box = page.get_by_label("Find in transcript", exact=True)
    box.fill("角色")
    box.press("Enter")
    page.locator("#transcript").focus()
    page.keyboard.press("c")
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.start, seg.end) == (TEXT.index("角色"), TEXT.index("角色") + 2)
