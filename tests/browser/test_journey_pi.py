"""Journey (c): a PI reads agreement, settles disagreements into consensus, compares.

Two coders, bob (A) and erin (B), coded one interview with Chinese text and 𠝹 (one code
point in Python, two UTF-16 units in the browser), and partly disagree. The PI works only
through what is on screen; every step is checked against the database in code points.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from coding.models import ConsensusDecision, LayerKind, Segment
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Interviewer: How did the first weeks at work go?\n"
    "P01: At first nobody knew what a peer worker should do.\n"
    "P01: 我唔知自己嘅角色 𠝹，後來同事慢慢信任我。\n"
    "Interviewer: And later?\n"
    "P01: Later the team trusted me and my lived experience helped others.\n"
)


def span(needle: str) -> tuple[int, int]:
    """Code-point offsets of ``needle`` in TEXT (Python counts code points)."""
    start = TEXT.index(needle)
    return start, start + len(needle)


A_ROLE = "nobody knew what a peer worker should do"
B_ROLE = "At first nobody knew what a peer worker should do"
A_CHINESE = "我唔知自己嘅角色 𠝹"
B_CHINESE = "自己嘅角色 𠝹，後來同事慢慢信任我"
A_TRUST = "Later the team trusted me"
B_TRUST = "the team trusted me and my lived experience"
AGREED = "helped others"
CORRECTED = "team trusted me and my lived"


@pytest.fixture
def study_with_two_coders():
    study = factories.make_study(name="Peer support in Hong Kong")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    bob, erin = factories.make_user(username="bob"), factories.make_user(username="erin")
    for user in (bob, erin):
        factories.add_member(study, user, Role.CODER)
    group = factories.make_group(study, name="Peer support workers")
    wave = factories.make_wave(study, name="T1 Training")
    p01 = factories.make_participant(study, pseudonym="P01", group=group)
    t = factories.make_transcript(study, title="P01 T1", text=TEXT, participant=p01, wave=wave)
    role = factories.make_code(study, name="Role")
    a, b = factories.make_layer(study, bob), factories.make_layer(study, erin)
    for layer, needles in ((a, (A_ROLE, A_CHINESE, A_TRUST)), (b, (B_ROLE, B_CHINESE, B_TRUST))):
        for needle in (*needles, AGREED):
            factories.make_segment(t, role, layer, *span(needle))
    return {"study": study, "pi": pi, "t": t, "role": role}


def consensus_spans() -> list[tuple[int, int]]:
    return sorted(
        Segment.objects.filter(layer__kind=LayerKind.CONSENSUS).values_list("start", "end")
    )


# Viewport points at the left edge of the first and the right edge of the last character
# of ``needle`` inside one passage (found through its runs' text, as a reader sees it).
CHAR_EDGES_JS = """([passage, needle]) => {
  const nodes = []; let all = '';
  passage.querySelectorAll('.r').forEach((el) => { nodes.push([el.firstChild, all.length]); all += el.textContent; });
  const at = all.indexOf(needle);
  const locate = (u) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= u) return [nodes[i][0], u - nodes[i][1]]; };
  const rect = (u) => { const [n, o] = locate(u); const r = document.createRange(); r.setStart(n, o); r.setEnd(n, o + 1); return r.getBoundingClientRect(); };
  const first = rect(at); const last = rect(at + needle.length - 1);
  return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
}"""


def unit_item(page, number: int):
    units = page.get_by_role("list", name="Units of Role")
    return units.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=f"Unit {number}", exact=True)
    )


def settled(page, text: str):
    page.get_by_text(text).wait_for()


def test_a_pi_settles_disagreements_and_compares_the_consensus(
    page, login_as, study_with_two_coders
):
    s = study_with_two_coders
    login_as(s["pi"])

    # I open my study and read the agreement report.
    page.goto(f"/studies/{s['study'].pk}/")
    page.get_by_role("link", name="Agreement", exact=True).click()
    page.wait_for_url("**/agreement/**")
    report = page.get_by_role("main").inner_text()
    assert re.search(r"[κα]", report), "a coefficient is named"
    assert re.search(r"[−-]?[01]\.\d{2}", report), "a coefficient is shown"

    # I open the side-by-side review of the code Role in the interview.
    page.get_by_role("link", name="Role", exact=True).first.click()
    page.get_by_role("link", name=re.compile("review", re.I)).first.click()
    page.wait_for_url("**/agreement/transcripts/**")
    settled(page, "0 of 4 settled")
    # Each unit quotes what A and B coded, with the difference marked in the passage.
    first = unit_item(page, 1)
    assert A_ROLE in first.get_by_text("bob:").inner_text()
    assert B_ROLE in first.get_by_text("erin:").inner_text()
    assert first.locator("ins").inner_text() == "At first "
    assert "only B" in first.inner_text()

    # I accept A's span for the first unit with the keyboard.
    page.get_by_role("list", name="Units of Role").focus()
    page.keyboard.press("a")
    settled(page, "1 of 4 settled")
    assert consensus_spans() == [span(A_ROLE)]

    # I take the union for the Chinese passage with the mouse.
    unit_item(page, 2).get_by_role("button", name="Union").click()
    settled(page, "2 of 4 settled")
    union = (span(A_CHINESE)[0], span(B_CHINESE)[1])
    assert consensus_spans() == sorted([span(A_ROLE), union])

    # I correct the third unit's span by selecting the words I want with the mouse.
    third = unit_item(page, 3)
    passage = third.get_by_role("group", name="Passage of unit 3")
    passage.scroll_into_view_if_needed()
    edges = page.evaluate(CHAR_EDGES_JS, [passage.element_handle(), CORRECTED])
    page.mouse.move(edges["x1"], edges["y1"])
    page.mouse.down()
    page.mouse.move(edges["x2"], edges["y2"], steps=10)
    page.mouse.up()
    third.get_by_text(f"Selected {len(CORRECTED)} characters").wait_for()
    third.get_by_role("button", name="Use selection").click()
    settled(page, "3 of 4 settled")
    assert consensus_spans() == sorted([span(A_ROLE), union, span(CORRECTED)])
    corrected = Segment.objects.get(layer__kind=LayerKind.CONSENSUS, start=span(CORRECTED)[0])
    assert corrected.quote == CORRECTED

    # I change my mind about the union and undo it.
    unit_item(page, 2).get_by_role("button", name="Undo decision").click()
    settled(page, "2 of 4 settled")
    assert consensus_spans() == sorted([span(A_ROLE), span(CORRECTED)])
    undone = ConsensusDecision.objects.get(action="union")
    assert undone.undone_at is not None
    page.get_by_text(re.compile("^Undone: Union")).wait_for()

    # I open Compare, look at the consensus, and download the table.
    page.get_by_role("link", name="Compare", exact=True).click()
    page.get_by_label("Source layer").select_option(label="Consensus")
    page.get_by_label("Segments", exact=True).check()
    table = page.get_by_role("table", name=re.compile("Segments by stakeholder group and wave"))
    table.wait_for()
    assert "Consensus" in table.inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV", exact=True).first.click()
    data = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    value = next(i for i, name in enumerate(rows[0]) if "value" in name.lower())
    role_rows = [r for r in rows[1:] if "Role" in r and "Peer support workers" in r]
    assert len(role_rows) == 1, rows
    # The two consensus segments that remain: A's span and the corrected one.
    assert role_rows[0][value] == "2"
