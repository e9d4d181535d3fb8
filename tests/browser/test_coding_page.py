"""The coding page in real Chromium: offsets, overlaps, keyboard path, blind mode, swaps."""

from __future__ import annotations

import pytest

from coding.models import Segment
from studies.models import Role
from tests import factories
from tests.browser.coding_helpers import SEGMENTS_AT, SELECT_JS, TEXT, coding_study, page_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(db):
    return coding_study()


def test_selecting_chinese_and_astral_text_stores_python_offsets(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    quote = "我唔知自己嘅角色。"
    page.evaluate(SELECT_JS, [quote, 0])
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.start, seg.end) == (TEXT.index(quote), TEXT.index(quote) + len(quote))
    assert seg.quote == quote

    quote2 = "trusted me 𠝹 and my"
    page.evaluate(SELECT_JS, [quote2, 0])
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelectorAll('mark.r').length >= 2")
    seg2 = Segment.objects.get(code=setup["hope"])
    assert (seg2.start, seg2.end) == (TEXT.index(quote2), TEXT.index(quote2) + len(quote2))
    page.screenshot(path="/tmp/shots/one.png", full_page=True)


def test_two_overlapping_codes_are_both_visible_and_one_can_be_removed(setup, page, login_as):
    s = setup
    layer = factories.make_layer(s["study"], s["bob"])
    a = TEXT.index("At first")
    factories.make_segment(s["t"], s["shame"], layer, a, a + 30)
    factories.make_segment(s["t"], s["hope"], layer, a + 10, a + 40)
    login_as(s["bob"])
    page.goto(page_url(s))
    both = page.locator("mark.r").filter(has_text="not know")
    assert both.count() == 1
    # The run names no segment; the page's segment table finds both at it.
    assert len(both.evaluate(SEGMENTS_AT)) == 2
    style = both.get_attribute("style")
    assert "--u0" in style and "--u1" in style
    assert page.locator(".stripe").count() == 2
    assert page.locator(".stripe-label").all_inner_texts() == ["Shame", "Hope"]
    page.evaluate("window.__marker = 1")
    both.click()
    page.locator("#seg-pop").get_by_role("button", name="Remove: Hope, by you").click()
    page.wait_for_function("document.querySelectorAll('.stripe').length === 1")
    assert list(Segment.objects.values_list("code__name", flat=True)) == ["Shame"]
    assert page.evaluate("window.__marker") == 1  # swapped by htmx, not reloaded
    assert "Removed" in page.locator("#toast").inner_text()
    # Undo (Ctrl+Z) restores it from the audit log.
    page.locator("#transcript").focus()
    page.keyboard.press("Control+z")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    assert sorted(Segment.objects.values_list("code__name", flat=True)) == ["Hope", "Shame"]


def test_a_coder_can_code_a_sentence_with_the_keyboard_only(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.keyboard.press("Tab")  # skip link
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == "transcript":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "transcript"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # turn 2
    page.keyboard.press("Enter")  # its first sentence
    page.keyboard.press("Shift+ArrowRight")  # extend by a sentence
    page.keyboard.press("c")
    page.keyboard.type("sha")
    page.keyboard.press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    quote = "At first I did not know my role. 我唔知自己嘅角色。"
    assert seg.quote == quote
    assert seg.start == TEXT.index(quote)
    assert page.evaluate("document.activeElement.id") == "transcript"
    # J focuses the highlight, Delete removes it.
    page.keyboard.press("j")
    page.keyboard.press("Delete")
    page.wait_for_function("!document.querySelector('mark.r')")
    assert not Segment.objects.exists()


def test_c_on_a_turn_codes_the_whole_turn(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.locator("#transcript").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # turn 4
    page.keyboard.press("c")
    page.keyboard.press("ArrowDown")  # second code in the list (Shame)
    page.keyboard.press(" ")  # tick
    page.keyboard.press("ArrowUp")
    page.keyboard.press(" ")  # tick Hope too
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.stripe').length === 2")
    quote = "Later the team trusted me 𠝹 and my lived experience helped others."
    assert set(Segment.objects.values_list("quote", "start")) == {(quote, TEXT.index(quote))}
    assert Segment.objects.count() == 2


def test_blind_mode_hides_another_coders_highlights(setup, page, login_as):
    s = setup
    s["study"].blind_coding = True
    s["study"].save()
    erin = factories.make_user(username="erin")
    factories.add_member(s["study"], erin, Role.CODER)
    factories.make_segment(s["t"], s["shame"], factories.make_layer(s["study"], erin), 5, 20)
    mine = factories.make_segment(
        s["t"], s["hope"], factories.make_layer(s["study"], s["bob"]), 50, 60
    )
    login_as(s["bob"])
    page.goto(page_url(s))
    assert page.locator("mark.r").count() == 1
    assert page.locator("mark.r").first.evaluate(SEGMENTS_AT) == [mine.pk]
    assert "Blind coding is on" in page.locator("#edit-state").inner_text()
    assert page.locator(".layer-option").all_inner_texts() == ["Mine"]
    assert "erin" not in page.content()


def test_a_stale_page_reloads_the_transcript_and_keeps_the_selection(setup, page, login_as):
    s = setup
    login_as(s["bob"])
    page.goto(page_url(s))
    s["t"].version = 2  # someone edited the text meanwhile
    s["t"].save()
    quote = "lived experience"
    page.evaluate(SELECT_JS, [quote, 0])
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.getElementById('transcript').dataset.version === '2'")
    assert "Transcript changed since you opened it" in page.locator("#coding-alert").inner_text()
    page.wait_for_selector("#picker:not([hidden])")
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.start, seg.quote) == (TEXT.index(quote), quote)


def test_a_failed_save_stays_marked_and_can_be_retried(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.route("**/segments/", lambda route: route.abort())
    page.evaluate(SELECT_JS, ["lived experience", 0])
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    bar = page.locator("#pending-bar")
    bar.wait_for(state="visible")
    assert "Not saved" in bar.inner_text()
    assert page.locator("#save-status").inner_text() == "Not saved"
    assert not Segment.objects.exists()
    page.unroute("**/segments/")
    bar.get_by_role("button", name="Retry").click()
    page.wait_for_selector("mark.r")
    assert Segment.objects.get().quote == "lived experience"
    assert bar.is_hidden()


def test_undo_survives_a_reload(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.evaluate(SELECT_JS, ["the team", 0])
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark.r")
    page.reload()
    page.get_by_role("button", name="Undo").first.click()
    page.wait_for_function("!document.querySelector('mark.r')")
    assert not Segment.objects.exists()
    assert "Undone" in page.locator("#toast").inner_text()


def test_a_coder_creates_a_code_from_the_picker(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.evaluate(SELECT_JS, ["trusted me", 0])
    page.locator("#picker-input").fill("Shame > Trusted")
    option = page.locator("#picker-list li.create")
    assert option.inner_text() == "Create ‘Trusted’ under Shame"
    # Shame matches first; Ctrl+Enter is the Create row's own key (Enter never creates).
    page.locator("#picker-input").press("Control+Enter")
    page.wait_for_selector("mark.r")
    seg = Segment.objects.get()
    assert (seg.code.name, seg.code.parent.name) == ("Trusted", "Shame")
    assert page.locator("#codebook-panel").get_by_text("Trusted").is_visible()


def test_a_highlight_can_be_changed_to_another_code_and_its_span_adjusted(setup, page, login_as):
    s = setup
    start = TEXT.index("lived")
    factories.make_segment(
        s["t"], s["shame"], factories.make_layer(s["study"], s["bob"]), start, start + 5
    )
    login_as(s["bob"])
    page.goto(page_url(s))
    page.locator("mark.r").click()
    page.locator("#seg-pop").get_by_role("button", name="Change: Shame, by you").click()
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelector('.stripe-label').textContent === 'Hope'")
    seg = Segment.objects.get()
    assert seg.code == s["hope"]
    # Adjust the end by the keyboard: E, then → eleven times, Enter.
    page.locator("mark.r").click()
    page.locator("#seg-pop").get_by_role("button", name="Adjust span: Hope, by you").click()
    page.keyboard.press("e")
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('mark.r').textContent === 'lived experience'")
    assert Segment.objects.get().quote == "lived experience"
