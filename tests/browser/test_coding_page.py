"""The coding page in real Chromium: offsets, overlaps, keyboard path, blind mode, swaps."""

from __future__ import annotations

import pytest

from coding.models import Segment
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: At first I did not know my role. 我唔知自己嘅角色。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)


@pytest.fixture
def setup(db):
    study = factories.make_study(name="Browser study")
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    transcript = factories.make_transcript(study, text=TEXT, title="P01 T1")
    shame = factories.make_code(study, name="Shame", color="#D55E00")
    hope = factories.make_code(study, name="Hope", color="#0072B2")
    return {"study": study, "bob": bob, "t": transcript, "shame": shame, "hope": hope}


def url(s):
    return f"/studies/{s['study'].pk}/transcripts/{s['t'].pk}/"


SELECT_JS = """([needle, occurrence]) => {
  const root = document.getElementById('transcript');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest('.r') ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT });
  // Build the visible text with node positions, then find the needle in UTF-16 units.
  const nodes = []; let all = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  let at = all.indexOf(needle);
  for (let k = 0; k < occurrence; k++) at = all.indexOf(needle, at + 1);
  const locate = (u) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= u) return [nodes[i][0], u - nodes[i][1]]; };
  const [sn, so] = locate(at); const [en, eo] = locate(at + needle.length);
  const sel = getSelection(); sel.removeAllRanges();
  const r = document.createRange(); r.setStart(sn, so); r.setEnd(en, eo); sel.addRange(r);
  sn.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0}));
}"""


def test_selecting_chinese_and_astral_text_stores_python_offsets(setup, page, login_as):
    login_as(setup["bob"])
    page.goto(url(setup))
    quote = "我唔知自己嘅角色。"
    page.evaluate(SELECT_JS, [quote, 0])
    page.locator("#picker-input").fill("sha")
    page.locator("#picker-input").press("Enter")
    page.wait_for_selector("mark[data-seg]")
    seg = Segment.objects.get()
    assert (seg.start, seg.end) == (TEXT.index(quote), TEXT.index(quote) + len(quote))
    assert seg.quote == quote

    quote2 = "trusted me 𠝹 and my"
    page.evaluate(SELECT_JS, [quote2, 0])
    page.locator("#picker-input").fill("hope")
    page.locator("#picker-input").press("Enter")
    page.wait_for_function("document.querySelectorAll('mark[data-seg]').length >= 2")
    seg2 = Segment.objects.get(code=setup["hope"])
    assert (seg2.start, seg2.end) == (TEXT.index(quote2), TEXT.index(quote2) + len(quote2))
    page.screenshot(path="/tmp/shots/one.png", full_page=True)
