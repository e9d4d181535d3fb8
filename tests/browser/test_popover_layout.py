"""The highlight popover of the coding page lays out bilingual code names as words and
phrases: "職責不清" beside "Unclear job description" stays one phrase (not a character per
line), no English word is split, the buttons keep their one-line size, and the memo box
covers none of the text above it."""

from __future__ import annotations

import pytest

from tests.browser.popover_setup import coding_url, overlap_study, page_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Problems of the popover's layout, as sentences (an empty list when it is right).
LAYOUT_JS = """() => {
  const pop = document.getElementById('seg-pop');
  const problems = [];
  const lines = (node, from, to) => {
    const r = document.createRange(); r.setStart(node, from); r.setEnd(node, to);
    return new Set(Array.from(r.getClientRects()).filter((x) => x.width > 0).map((x) => Math.round(x.top))).size;
  };
  for (const el of pop.querySelectorAll('.seg-head strong, .seg-head .seg-other')) {
    const node = el.firstChild;
    if (!node) continue;
    const text = node.data;
    // Each word (a whole CJK name has no spaces: one word) on one line.
    let at = 0;
    for (const word of text.split(' ')) {
      if (word && lines(node, at, at + word.length) !== 1) problems.push('split: ' + word);
      at += word.length + 1;
    }
  }
  for (const b of pop.querySelectorAll('.seg-actions button, .seg-actions a, button.button')) {
    if (lines(b.firstChild, 0, b.firstChild.data.length) !== 1) problems.push('button wraps: ' + b.textContent);
    if (b.scrollWidth > b.clientWidth + 1) problems.push('button cut: ' + b.textContent);
  }
  if (pop.scrollWidth > pop.clientWidth + 1) problems.push('popover overflows sideways');
  const area = pop.querySelector('textarea');
  if (area) {
    const above = area.previousElementSibling.getBoundingClientRect();
    // The focus ring (3px, 2px off the box) must not cover the quote either.
    if (above.bottom > area.getBoundingClientRect().top - 5) problems.push('memo box covers the quote');
    const save = area.nextElementSibling.getBoundingClientRect();
    if (save.top < area.getBoundingClientRect().bottom) problems.push('save button under the memo box');
  }
  return problems;
}"""


@pytest.mark.parametrize("locale", ["en-GB", "zh-HK"])
def test_the_popover_wraps_names_as_words_and_keeps_its_buttons(browser, live_server, locale):
    s = overlap_study()
    context, page = page_for(browser, live_server, s["bob"], locale)
    try:
        page.goto(coding_url(s), timeout=30_000)
        page.locator("mark.r", has_text="first of three").first.click()
        pop = page.locator("#seg-pop")
        pop.locator("li[data-seg]").nth(1).wait_for()
        other = pop.locator(".seg-other").first
        assert other.inner_text() in ("職責不清", "Unclear job description")
        assert page.evaluate(LAYOUT_JS) == []
        page.screenshot(path=f"/tmp/wf/popover_{locale}.png")
        # The memo box of the second highlight.
        memo = "Memo" if locale == "en-GB" else "備忘錄"
        pop.locator("li[data-seg]").nth(1).get_by_role("button", name=memo, exact=False).click()
        pop.locator("textarea").wait_for()
        assert page.evaluate(LAYOUT_JS) == []
        page.screenshot(path=f"/tmp/wf/popover_memo_{locale}.png")
    finally:
        context.close()
