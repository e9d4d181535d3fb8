"""Shared set-up for the coding page's browser tests.

The text puts 𠝹 (one code point, two UTF-16 units) and Chinese before the passages the
tests code, so any offset counted in UTF-16 units would be off against Python's.
"""

from __future__ import annotations

from studies.models import Role
from tests import factories

TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: At first I did not know my role. 我唔知自己嘅角色。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me 𠝹 and my lived experience helped others."
)


def coding_study(text: str = TEXT) -> dict:
    """A study with coder ``bob``, one transcript of ``text`` and the codes Shame and Hope."""
    study = factories.make_study(name="Browser study")
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    transcript = factories.make_transcript(study, text=text, title="P01 T1")
    shame = factories.make_code(study, name="Shame", color="#D55E00")
    hope = factories.make_code(study, name="Hope", color="#0072B2")
    return {"study": study, "bob": bob, "t": transcript, "shame": shame, "hope": hope}


def page_url(s: dict) -> str:
    return f"/studies/{s['study'].pk}/transcripts/{s['t'].pk}/"


# The rendered runs' text nodes with their UTF-16 positions, the ``occurrence``-th position
# of ``needle`` in them (``at``) and ``locate(u)`` -> [text node, offset]. Used as the body
# prefix of the functions below (each takes ``needle`` and ``occurrence`` first).
_RUNS_JS = """
  const root = document.getElementById('transcript');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest('.r') ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT });
  const nodes = []; let all = '';
  for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, all.length]); all += n.data; }
  let at = all.indexOf(needle);
  for (let k = 0; k < occurrence; k++) at = all.indexOf(needle, at + 1);
  const locate = (u) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= u) return [nodes[i][0], u - nodes[i][1]]; };
"""

# Select the needle as a user would with the mouse, then release the button.
#: The ids of the segments covering a run (a ``mark.r``), from the page's segment table.
SEGMENTS_AT = "(el) => window.codingPage.segmentsAt(Number(el.dataset.start))"

SELECT_JS = (
    "([needle, occurrence]) => {"
    + _RUNS_JS
    + """
  const [sn, so] = locate(at); const [en, eo] = locate(at + needle.length);
  const sel = getSelection(); sel.removeAllRanges();
  const r = document.createRange(); r.setStart(sn, so); r.setEnd(en, eo); sel.addRange(r);
  sn.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0}));
}"""
)

# The viewport point inside character ``charIndex`` (in code points) of the needle: its
# left edge (side < 0) or right edge (side > 0).
CHAR_POINT_JS = (
    "([needle, occurrence, charIndex, side]) => {"
    + _RUNS_JS
    + """
  const units = Array.from(needle).slice(0, charIndex).join('').length;
  const width = needle.codePointAt(units) > 0xffff ? 2 : 1;
  const [n, o] = locate(at + units);
  const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + width);
  const rect = r.getBoundingClientRect();
  return {x: side < 0 ? rect.left + 2 : rect.right - 2, y: rect.top + rect.height / 2};
}"""
)


def drag_select(page, needle: str, occurrence: int = 0) -> None:
    """Select ``needle`` with the real mouse: press at the left edge of its first character,
    drag to the right edge of its last one (``len`` counts code points, as the page does)."""
    a = page.evaluate(CHAR_POINT_JS, [needle, occurrence, 0, -1])
    b = page.evaluate(CHAR_POINT_JS, [needle, occurrence, len(needle) - 1, 1])
    page.mouse.move(a["x"], a["y"])
    page.mouse.down()
    page.mouse.move(b["x"], b["y"], steps=8)
    page.mouse.up()
    page.locator("#picker").wait_for(state="visible")


def span_of(text: str, quote: str, occurrence: int = 0) -> tuple[int, int]:
    """Python's (code point) offsets of the ``occurrence``-th ``quote`` in ``text``."""
    at = text.index(quote)
    for _ in range(occurrence):
        at = text.index(quote, at + 1)
    return at, at + len(quote)


def scroll_to(page, locator) -> None:
    """Scroll ``locator`` to the middle of the window as a reader would, until it stays there
    (turns laid out on the way change height: the page uses content-visibility)."""
    for _ in range(10):
        locator.evaluate("el => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(100)
        box = locator.bounding_box()
        if box and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]:
            return
    raise AssertionError("could not scroll the element into view")
