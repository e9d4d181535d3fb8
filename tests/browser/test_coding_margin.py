"""The coding page's margin drawn by the page's script (static/js/coding/margin.js) from each
turn's data-m and the segment table: in Chromium it is the margin the server used to write
(drawn by the script's Python twin, tests/coding/margin_drawn.py, which equals the frozen
old renderer: tests/coding/test_render_before.py), every stripe, label and "+N" chip of every
turn; stripes sit beside the text they cover; the keyboard reaches a highlight's stripe and
opens its popover; a write redraws the margin of the turns it touched."""

from __future__ import annotations

import os

import lxml.html
import pytest
from django.urls import reverse

from coding.models import Segment
from studies.models import Role
from tests import factories
from tests.browser.test_coding_page_dense import _url, dense  # noqa: F401 (fixture)
from tests.coding.margin_drawn import drawn_page

# Each margin child as the script leaves it: tag, class, data-seg, style, aria-label, text.
MARGIN_JS = """() => [...document.querySelectorAll('#transcript .turn')].map(t => [t.id,
  [...t.querySelector('.turn-margin').children].map(e => [e.tagName.toLowerCase(),
    e.className.replace(/ ?is-(focus|hover)/g, ''), e.dataset.seg || '', e.getAttribute('style') || '',
    e.getAttribute('aria-label') || '', e.textContent]),
  t.querySelector('.turn-room') ? t.querySelector('.turn-room').getAttribute('style') : null])"""


def _margins(html: str) -> list:
    doc = lxml.html.document_fromstring(html)
    out = []
    for turn in doc.find_class("turn"):
        margin = turn.find_class("turn-margin")[0]
        room = turn.find_class("turn-room")
        out.append(
            [
                turn.get("id"),
                [
                    [
                        e.tag,
                        e.get("class"),
                        e.get("data-seg", ""),
                        e.get("style", ""),
                        e.get("aria-label", ""),
                        e.text_content(),
                    ]
                    for e in margin
                ],
                room[0].get("style") if room else None,
            ]
        )
    return out


def _shot(page, name):
    if os.environ.get("SHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SHOT_DIR"], name))


def test_the_script_draws_the_margin_the_server_wrote_before(dense, page, login_as):  # noqa: F811
    s = dense
    login_as(s["pi"])
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(_url(s))
    page.wait_for_selector("mark.r")
    page.wait_for_timeout(500)
    assert not errors
    page.wait_for_selector(".stripe", state="attached")
    server = page.request.get(_url(s)).text()
    assert 'class="stripe ' not in server and "stripe-label" not in server  # data only
    want = _margins(drawn_page(server))
    got = page.evaluate(MARGIN_JS)
    assert [[t, [list(c) for c in cs], r] for t, cs, r in got] == want
    # Stacked labels and "+N" chips are among them (the case is dense enough).
    assert page.locator(".stripe-more").count() >= 1
    assert page.locator(".turn-room").count() >= 1
    # Every segment has a stripe or is in a chip; each stripe lies beside its passage:
    # within its turn, at the fraction of the turn's characters before it.
    assert (
        page.evaluate(
            """() => new Set([...document.querySelectorAll('#transcript [data-seg]')]
             .flatMap(e => e.dataset.seg.split(' '))).size"""
        )
        == Segment.objects.filter(transcript=s["t"]).count()
    )
    off = page.evaluate(
        # (turns off screen are not laid out: content-visibility)
        """() => [...document.querySelectorAll('#transcript .stripe')].filter(st => {
             const r = st.closest('.turn').getBoundingClientRect();
             return r.top >= 0 && r.bottom <= innerHeight; }).map(st => {
             const turn = st.closest('.turn').getBoundingClientRect();
             const box = st.getBoundingClientRect();
             const top = parseFloat(st.style.top) / 100 * st.parentElement.getBoundingClientRect().height;
             return Math.abs(box.top - st.parentElement.getBoundingClientRect().top - top)
               + (box.top < turn.top - 0.5 || box.top > turn.bottom + 0.5 ? 1000 : 0); })"""
    )
    assert len(off) >= 10 and max(off) < 1.5
    _shot(page, "margin-dense-all.png")


def test_the_keyboard_reaches_a_stripe_and_opens_its_popover(dense, page, login_as):  # noqa: F811
    s = dense
    login_as(s["pi"])
    page.goto(_url(s))
    page.wait_for_selector(".stripe")
    first = Segment.objects.filter(transcript=s["t"]).order_by("start", "-end", "pk").first()
    page.locator("#transcript").focus()
    page.keyboard.press("j")
    stripe = page.locator(f'.stripe.is-focus[data-seg="{first.pk}"]')
    assert stripe.count() >= 1
    page.keyboard.press("Enter")
    pop = page.locator("#seg-pop")
    pop.wait_for(state="visible")
    assert pop.locator(f'li[data-seg="{first.pk}"]').count() == 1
    _shot(page, "margin-keyboard-popover.png")
    page.keyboard.press("Escape")
    # A click on a stripe opens the popover of its segment.
    stripe = page.locator(f'.stripe[data-seg="{first.pk}"]').first
    stripe.scroll_into_view_if_needed()
    stripe.click()
    pop.wait_for(state="visible")
    assert pop.locator(f'li[data-seg="{first.pk}"]').count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_redraws_the_margin_of_the_turns_it_touched(page, login_as):
    """Partial answers (only the touched turns and the table's delta): the script draws the
    swapped turns' margin, and the page's margin is then a fresh page's, turn by turn."""
    from tests.browser.coding_helpers import coding_study, page_url
    from tests.browser.test_coding_writes import QUOTE, _apply

    setup = coding_study()
    login_as(setup["bob"])
    page.goto(page_url(setup))
    page.wait_for_selector("#transcript .turn")
    page.evaluate("document.getElementById('transcript').dataset.probe = 'kept'")
    _apply(page, QUOTE, "Hope", 1)
    _apply(page, "me 𠝹 and my lived", "Shame", 2)
    assert page.evaluate("document.getElementById('transcript').dataset.probe") == "kept"
    fresh = _margins(drawn_page(page.request.get(page_url(setup)).text()))
    got = page.evaluate(MARGIN_JS)
    assert [[t, [list(c) for c in cs], r] for t, cs, r in got] == fresh
    assert page.locator(".stripe-label").all_inner_texts() == ["Hope", "Shame"]
    _shot(page, "margin-after-writes.png")


# Every label and "+N" chip of the margin, laid out (content-visibility lifted) with its box.
BUTTONS_JS = """() => {
  document.querySelectorAll('#transcript .turn').forEach(t => t.style.contentVisibility = 'visible');
  return [...document.querySelectorAll('#transcript .stripe-label, #transcript .stripe-more')]
    .map(e => { const r = e.getBoundingClientRect(), turn = e.closest('.turn').getBoundingClientRect();
      return {turn: e.closest('.turn').dataset.n, what: e.textContent.trim(), left: r.left,
              right: r.right, top: r.top, bottom: r.bottom, turnBottom: turn.bottom}; });
}"""


def test_crowded_turns_keep_each_margin_button_clear_of_the_next_turns(page, login_as):
    """Turns of two to fourteen lines, each with more highlights than lanes in its last part
    (labels stacked 30 px apart, then a "+N" chip): the stack began at its first
    label's own place and so ran past the room its turn kept for it, onto the next turn's
    first label or chip. Every button stays inside its own turn and clear of every other."""
    study = factories.make_study(name="Crowded margins")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    coder = factories.make_user(username="coder1")
    factories.add_member(study, coder, Role.CODER)
    layer = factories.make_layer(study, coder)
    words = "about the budget cut, the new schedule and how 我們 felt when nobody asked us"
    turns = [
        f"P0{i % 2}: turn {i} " + " ".join([words] * (2 + 4 * (i % 3))) + "." for i in range(12)
    ]
    text = "\n".join(turns)
    t = factories.make_transcript(study, text=text, title="Crowded")
    codes = [factories.make_code(study, name=f"Code {i}") for i in range(12)]
    at = 0
    for turn in turns:
        # 12 highlights in the last two fifths of each turn: stacked labels, a "+N" chip.
        first = len(turn) * 3 // 5
        for k in range(12):
            start = at + first + k * (len(turn) - first - 12) // 12
            factories.make_segment(t, codes[k], layer, start, start + 10)
        at += len(turn) + 1
    login_as(pi)
    page.goto(reverse("coding:transcript_code", args=[study.pk, t.pk]) + "?layer=all")
    page.wait_for_selector(".stripe-more", state="attached")
    boxes = page.evaluate(BUTTONS_JS)
    assert sum(b["what"].startswith("+") for b in boxes) >= 3 and len(boxes) >= 40
    spill = [b for b in boxes if b["bottom"] > b["turnBottom"] + 0.5]
    assert not spill, spill[:3]
    overlaps = [
        (a["turn"], a["what"], b["turn"], b["what"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    ]
    assert not overlaps, overlaps[:3]
    # A coder clicks the lowest label of the fullest turn (the one the bound moved up most):
    # it still opens its own highlight.
    fullest = max({b["turn"] for b in boxes}, key=lambda n: sum(b["turn"] == n for b in boxes))
    label = page.locator(f'.turn[data-n="{fullest}"] .stripe-label').last
    seg = label.get_attribute("data-seg")
    label.scroll_into_view_if_needed()
    label.click()
    pop = page.locator("#seg-pop")
    pop.wait_for(state="visible")
    assert pop.locator(f'li[data-seg="{seg}"]').count() == 1
    _shot(page, "margin-crowded-turns.png")
