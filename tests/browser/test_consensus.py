from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import LayerKind, Segment
from studies.models import Role
from tests import factories
from tests.coding.test_disagreements_page import TEXT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pi_resolves_a_disagreement_and_sees_it_in_consensus(page, login_as):
    study = factories.make_study(name="Peer support")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    bob, erin = factories.make_user(username="bob"), factories.make_user(username="erin")
    for user in (bob, erin):
        factories.add_member(study, user, Role.CODER)
    t = factories.make_transcript(study, title="Interview", text=TEXT)
    code = factories.make_code(study, name="Role")
    factories.make_segment(t, code, factories.make_layer(study, bob), 55, 70)
    factories.make_segment(t, code, factories.make_layer(study, erin), 60, 75)
    factories.make_segment(t, code, factories.make_layer(study, bob), 90, 100)

    login_as(pi)
    page.goto(reverse("coding:agreement_report", args=[study.pk]) + f"?focus={code.pk}")
    page.get_by_role("link", name="Review side by side").click()
    page.wait_for_url("**/agreement/transcripts/**")
    assert page.get_by_text("0 of 2 settled").is_visible()
    unit = page.locator("#unit-1")
    assert "span differs" in unit.inner_text()

    # Keyboard: the unit list has focus, U takes the union (through htmx, no reload).
    page.locator(".unit-list").focus()
    page.keyboard.press("u")
    page.get_by_text("1 of 2 settled").wait_for()
    assert "Saved: Union" in page.locator(".review-status").inner_text()
    consensus_cell = page.locator(".side-by-side tbody tr").nth(1).locator("td").last
    assert consensus_cell.locator("mark.hl").count() == 1
    assert consensus_cell.locator("mark.hl").inner_text() == TEXT[55:75]
    assert list(
        Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).values_list("start", "end")
    ) == [(55, 75)]

    # The next unit became current; settle it with a click on "Neither", then undo it.
    page.locator("#unit-2").get_by_role("button", name="Neither").click()
    page.get_by_text("2 of 2 settled").wait_for()
    page.locator("#unit-2").get_by_role("button", name="Undo decision").click()
    page.get_by_text("1 of 2 settled").wait_for()


CJK_TEXT = (
    "Interviewer: How did the training feel?\n"
    "P01: 我唔知自己嘅角色 𠝹 at first, but later the team trusted me.\n"
)

# Select ``needle`` inside a unit's passage, in its runs' text nodes, as the mouse would.
SELECT_IN_PASSAGE_JS = """([passageId, needle]) => {
  const root = document.getElementById(passageId);
  const nodes = []; let all = '';
  root.querySelectorAll('.r').forEach((el) => { const n = el.firstChild; nodes.push([n, all.length]); all += n.data; });
  const at = all.indexOf(needle);
  const locate = (u) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= u) return [nodes[i][0], u - nodes[i][1]]; };
  const [sn, so] = locate(at); const [en, eo] = locate(at + needle.length);
  const sel = getSelection(); sel.removeAllRanges();
  const r = document.createRange(); r.setStart(sn, so); r.setEnd(en, eo); sel.addRange(r);
  sn.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0}));
}"""


def cjk_review(login_as):
    study = factories.make_study(name="Peer support")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    bob, erin = factories.make_user(username="bob"), factories.make_user(username="erin")
    for user in (bob, erin):
        factories.add_member(study, user, Role.CODER)
    t = factories.make_transcript(study, title="Interview", text=CJK_TEXT)
    code = factories.make_code(study, name="Role")
    a = CJK_TEXT.index("我唔知")
    b = CJK_TEXT.index("自己")
    factories.make_segment(t, code, factories.make_layer(study, bob), a, CJK_TEXT.index(", but"))
    factories.make_segment(
        t, code, factories.make_layer(study, erin), b, CJK_TEXT.index(" the team")
    )
    login_as(pi)
    url = reverse("coding:disagreements", args=[study.pk, t.pk, code.pk])
    return url + "?layers=bob&layers=erin"


def consensus_spans():
    return list(Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).values_list("start", "end"))


def test_a_pi_corrects_the_consensus_span_by_selecting_text(page, login_as):
    page.goto(cjk_review(login_as))
    unit = page.locator("#unit-1")
    # Each side's words are quoted; the difference is marked in the passage.
    assert "我唔知自己嘅角色 𠝹 at first" in unit.get_by_text("bob:").inner_text()
    assert unit.locator("del").inner_text() == "我唔知"
    assert unit.locator("ins").inner_text() == ", but later"

    needle = "角色 𠝹 at first, but"
    page.evaluate(SELECT_IN_PASSAGE_JS, ["passage-1", needle])
    status = unit.locator(".selection-status")
    status.wait_for()
    assert f"{len(needle)} characters" in status.inner_text() and needle in status.inner_text()
    unit.get_by_role("button", name="Use selection").click()
    page.get_by_text("1 of 1 settled").wait_for()
    start = CJK_TEXT.index(needle)  # Python counts 𠝹 as one code point, JS as two units
    assert consensus_spans() == [(start, start + len(needle))]
    assert Segment.objects.get(layer__kind=LayerKind.CONSENSUS).quote == needle


def test_a_pi_corrects_the_span_with_the_keyboard(page, login_as):
    page.goto(cjk_review(login_as))
    passage = page.locator("#passage-1")
    passage.focus()
    # Focusing starts from the union; S picks the start, → moves it by one character.
    page.keyboard.press("s")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("e")
    page.keyboard.press("Control+ArrowLeft")
    status = page.locator("#unit-1 .selection-status")
    expected = "嘅角色 𠝹 at first, but"  # Ctrl+← puts the end after the previous word
    assert f"“{expected}”" in status.inner_text()
    page.locator("#unit-1").get_by_role("button", name="Use selection").click()
    page.get_by_text("1 of 1 settled").wait_for()
    start = CJK_TEXT.index("嘅角色")
    assert consensus_spans() == [(start, start + len(expected))]
