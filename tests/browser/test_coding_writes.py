"""A coder's writes in Chromium answer with only what changed (issue 12): the highlight
appears, the codebook count goes up, the toast's Undo takes it away, and the transcript
element is never replaced (only its turns), with the mouse and with the keyboard.

Offsets are checked in code points against Python (Chinese and 𠝹 come first). Highlights
are found as ``mark.r`` (runs carry no segment ids once fix/page is merged).
"""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests.browser.coding_helpers import TEXT, coding_study, drag_select, page_url, span_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUOTE = "trusted me 𠝹 and my"
SHOTS = "/tmp/writes-shots"


@pytest.fixture
def setup(db):
    return coding_study()


@pytest.fixture
def coder_page(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    # A mark on the transcript element: a whole-transcript swap would lose it.
    page.evaluate("document.getElementById('transcript').dataset.probe = 'kept'")
    answers = []
    page.on(
        "response",
        lambda r: (
            answers.append(r.headers.get("hx-reswap")) if r.request.method == "POST" else None
        ),
    )
    page.answers = answers
    return page


def count_of(page, code) -> str:
    return page.locator(f'#codebook-tree [data-code="{code.pk}"] .code-count').inner_text()


def kept(page) -> bool:
    return page.evaluate("document.getElementById('transcript').dataset.probe") == "kept"


def test_apply_then_undo_with_the_mouse(setup, coder_page):
    page = coder_page
    drag_select(page, QUOTE)
    page.get_by_role("dialog", name="Apply codes to the selection").get_by_role(
        "option", name="Hope"
    ).locator(".tick").click()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("document.querySelectorAll('.stripe').length === 1")
    start, end = span_of(TEXT, QUOTE)
    assert list(Segment.objects.values_list("code__name", "start", "end")) == [("Hope", start, end)]
    assert page.locator("mark.r").inner_text() == QUOTE
    assert count_of(page, setup["hope"]) == "1/1"
    assert "Coded ‘Hope’" in page.locator("#toast").inner_text()
    assert "Saved" in page.locator("#save-status").inner_text()
    assert kept(page) and page.answers == ["none"]
    # The merged segment data: the popover of the new highlight names it.
    page.locator("mark.r").click()
    page.wait_for_function("(document.getElementById('seg-pop') || {}).innerText?.includes('Hope')")
    page.keyboard.press("Escape")
    page.screenshot(path=f"{SHOTS}-mouse-applied.png")

    page.locator("#toast").get_by_role("button", name="Undo").click()
    page.wait_for_function("!document.querySelector('mark.r')")
    assert not Segment.objects.exists()
    assert count_of(page, setup["hope"]) == "0/0"
    assert "Undone" in page.locator("#toast").inner_text()
    assert page.locator("#transcript-hint").inner_text() == "No highlights: select text, press C."
    assert kept(page) and page.answers == ["none", "none"]


def test_apply_then_undo_with_the_keyboard(setup, coder_page):
    page = coder_page
    page.locator("#transcript").focus()
    for _ in range(4):
        page.keyboard.press("ArrowDown")  # turn 4
    page.keyboard.press("c")  # no selection: the whole turn
    page.keyboard.type("sha")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    quote = "Later the team trusted me 𠝹 and my lived experience helped others."
    assert list(Segment.objects.values_list("code__name", "quote", "start")) == [
        ("Shame", quote, TEXT.index(quote))
    ]
    assert count_of(page, setup["shame"]) == "1/1"
    assert page.locator("#transcript-hint").inner_text() == ""
    assert page.locator("#transcript-hint").is_hidden()
    page.screenshot(path=f"{SHOTS}-keyboard-applied.png")
    assert page.evaluate("document.activeElement.id") == "transcript"

    page.keyboard.press("Control+z")
    page.wait_for_function("!document.querySelector('mark.r')")
    assert not Segment.objects.exists()
    assert count_of(page, setup["shame"]) == "0/0"
    # Coding again after the undo: the page's data (version, index) is still right.
    # The keyboard cursor is still on turn 4 after the partial answer.
    page.locator("#transcript").focus()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # turn 2
    page.keyboard.press("Enter")  # its first sentence
    page.keyboard.press("c")
    page.keyboard.type("hope")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.code.name, seg.quote) == ("Hope", "At first I did not know my role.")
    assert seg.start == TEXT.index(seg.quote)
    assert count_of(page, setup["hope"]) == "1/1"
    assert kept(page) and page.answers == ["none", "none", "none"]


def _apply(page, quote: str, code: str, stripes: int) -> None:
    drag_select(page, quote)
    page.get_by_role("dialog", name="Apply codes to the selection").get_by_role(
        "option", name=code
    ).locator(".tick").click()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function(f"document.querySelectorAll('.stripe').length === {stripes}")


def test_labels_stay_beside_their_stripes_as_a_write_adds_a_lane(setup, coder_page):
    """The margin's labels sit right of the lanes in use, not after six empty ones, and a
    partial answer that adds a lane moves them over (the transcript element is kept)."""
    page = coder_page
    lanes = "() => getComputedStyle(document.getElementById('transcript')).getPropertyValue('--lanes-shown').trim()"
    _apply(page, QUOTE, "Hope", 1)
    assert page.evaluate(lanes) == "1"
    _apply(page, "me 𠝹 and my lived", "Shame", 2)
    assert page.evaluate(lanes) == "2"
    assert kept(page) and page.answers == ["none", "none"]
    stripes = [page.locator(".stripe").nth(i).bounding_box() for i in range(2)]
    label = page.locator(".stripe-label").first.bounding_box()
    right_of_lanes = max(box["x"] + box["width"] for box in stripes)
    # Beside the second lane: clear of both stripes, and not 4 empty lanes (48 px) further.
    assert right_of_lanes <= label["x"] < right_of_lanes + 24
    page.screenshot(path=f"{SHOTS}-two-lanes.png")


def test_two_codes_ticked_together_are_saved_and_undone_together(setup, coder_page):
    """A coder ticks two codes for one passage: both highlights and counts appear from the
    partial answer, the audit log holds one batch of the two, and one Undo removes both."""
    from pathlib import Path

    from coding.models import AuditEvent

    shots = Path("/tmp/shots-write3")
    shots.mkdir(exist_ok=True)
    page = coder_page
    drag_select(page, QUOTE)
    picker = page.get_by_role("dialog", name="Apply codes to the selection")
    picker.get_by_role("option", name="Hope").locator(".tick").click()
    picker.get_by_role("option", name="Shame").locator(".tick").click()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")

    start, end = span_of(TEXT, QUOTE)
    assert sorted(Segment.objects.values_list("code__name", "start", "end")) == [
        ("Hope", start, end),
        ("Shame", start, end),
    ]
    assert count_of(page, setup["hope"]) == "1/1"
    assert count_of(page, setup["shame"]) == "1/1"
    assert "Coded ‘" in page.locator("#toast").inner_text()
    batch = AuditEvent.objects.get(action="segment.batch")
    creates = AuditEvent.objects.filter(action="segment.create").order_by("pk")
    assert batch.after["events"] == [e.pk for e in creates]
    page.screenshot(path=str(shots / "coder-two-codes-applied.png"))

    page.locator("#toast").get_by_role("button", name="Undo").click()
    page.wait_for_function("!document.querySelector('.stripe')")
    assert not Segment.objects.exists()
    assert count_of(page, setup["hope"]) == "0/0"
    assert count_of(page, setup["shame"]) == "0/0"
    assert "Undone: Coded" in page.locator("#toast").inner_text()
    assert kept(page) and page.answers == ["none", "none"]
    page.screenshot(path=str(shots / "coder-two-codes-undone.png"))
