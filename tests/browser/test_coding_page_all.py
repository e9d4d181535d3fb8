"""The "All" view in Chromium: two coders' stripes told apart, 24 px targets, read-only."""

from __future__ import annotations

import pytest

from coding.models import Layer, Segment
from studies.models import Role
from tests import factories

LONG_TURN = "P01: " + " ".join(
    [
        "At first I did not know my role and nobody explained what a peer worker does.",
        "The team met every Monday and I sat at the back, listening and taking notes.",
        "Later the team trusted me and my lived experience helped others in the ward.",
        "I learnt to say no to extra shifts, which was hard for me at the beginning.",
    ]
)
TEXT = "Interviewer: How did the training feel?\n" + LONG_TURN + "\nInterviewer: Thank you."
SHORT = "trusted me"
LEAF = "Gaps between training and practice"


@pytest.fixture
def setup(db):
    study = factories.make_study(name="All view study")
    pi = factories.make_user(username="pi")
    factories.add_member(study, pi, Role.OWNER)
    coders = []
    for name in ("coder1", "coder2"):
        user = factories.make_user(username=name)
        factories.add_member(study, user, Role.CODER)
        coders.append(user)
    t = factories.make_transcript(study, text=TEXT, title="P01 T1")
    parent = factories.make_code(study, name="Training experience", color="#0072B2")
    gaps = factories.make_code(study, name=LEAF, parent=parent, color="#0072B2")
    start = TEXT.index(SHORT)
    for user in coders:
        factories.make_segment(t, gaps, factories.make_layer(study, user), start, start + 10)
    return {"study": study, "pi": pi, "t": t, "coders": coders, "code": gaps}


def url(s, layer="all"):
    return f"/studies/{s['study'].pk}/transcripts/{s['t'].pk}/?layer={layer}"


def test_a_pi_tells_the_two_coders_apart_in_all(setup, page, login_as):
    login_as(setup["pi"])
    page.goto(url(setup))
    labels = page.locator(".stripe-label")
    assert labels.count() == 2
    texts = labels.all_inner_texts()
    assert texts[0] != texts[1]
    assert sorted(t.split()[0] for t in texts) == ["C1", "C2"]
    for label in labels.all():
        assert label.is_visible()
        box = label.bounding_box()
        assert box["height"] >= 24, box
    # The leaf name is not cut at 18 characters: at this width it shows whole (on at most
    # two lines), nothing is hidden by the clamp.
    clipped = page.evaluate(
        "[...document.querySelectorAll('.stripe-label .nm')]"
        ".map(n => n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1)"
    )
    page.screenshot(path="/tmp/stripes-all-view.png", full_page=True)
    assert clipped == [False, False], page.evaluate(
        "[...document.querySelectorAll('.stripe-label, .turn-margin, .turn-text')].map(n => n.className + n.getBoundingClientRect().width)"
    )
    # The two labels sit in different columns and do not overlap.
    a, b = (lb.bounding_box() for lb in labels.all())
    assert a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
    # Full names are in the accessible names.
    names = [lb.get_attribute("aria-label") for lb in labels.all()]
    assert any("by coder1" in n for n in names) and any("by coder2" in n for n in names)
    page.screenshot(path="/tmp/stripes-all-view.png", full_page=True)


def test_a_one_line_passage_has_a_24px_hit_target(setup, page, login_as):
    login_as(setup["pi"])
    page.goto(url(setup))
    stripe = page.locator(".stripe").first
    box = stripe.bounding_box()
    turn = page.locator('.turn[data-n="2"] .turn-text').bounding_box()
    assert turn["height"] > 3 * 30  # the turn wraps to several lines; the passage is short
    # The stripe paints only its passage (a few px), but a point 11 px above or below its
    # middle still hits it.
    assert box["height"] < 24
    middle_x = box["x"] + box["width"] / 2
    middle_y = box["y"] + box["height"] / 2
    for dy in (-11, 11):
        hit = page.evaluate(
            "([x, y]) => { const el = document.elementFromPoint(x, y);"
            " return el && el.closest('.stripe') ? el.closest('.stripe').dataset.seg : null; }",
            [middle_x, middle_y + dy],
        )
        assert hit == stripe.get_attribute("data-seg"), dy
    # Clicking there opens the popover of that highlight.
    page.mouse.click(middle_x, middle_y + 10)
    pop = page.locator("#seg-pop")
    pop.wait_for(state="visible")
    assert LEAF in pop.inner_text()


def test_all_is_a_reading_view_selecting_text_does_not_code(setup, page, login_as):
    login_as(setup["pi"])
    page.goto(url(setup))
    state = page.locator("#edit-state")
    assert "Reading all layers" in state.inner_text()
    assert state.get_by_role("link", name="Mine").is_visible()
    assert state.get_by_role("link", name="Consensus").is_visible()
    page.evaluate(
        """() => { const run = [...document.querySelectorAll('#transcript .r')]
             .find(r => r.textContent.includes('team met'));
           const node = run.firstChild; const at = node.data.indexOf('team met');
           const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + 8);
           getSelection().removeAllRanges(); getSelection().addRange(r);
           run.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0})); }"""
    )
    page.wait_for_timeout(300)
    assert page.locator("#picker").count() == 0 or not page.locator("#picker").is_visible()
    # Said where everyone sees it (the toast, a live region), with the way to code.
    toast = page.locator("#toast")
    assert "switch to Mine or Consensus to code" in toast.inner_text()
    assert toast.get_by_role("link", name="Switch to Mine").get_attribute("href") == "?layer=mine"
    page.screenshot(path="/tmp/shots-polish/all-select-toast.png")
    assert not Layer.objects.filter(user=setup["pi"]).exists()
    assert Segment.objects.count() == 2


def test_an_owner_alone_in_a_new_study_opens_on_mine_and_selecting_opens_the_picker(
    db, page, login_as
):
    study = factories.make_study(name="New study")
    owner = factories.make_user(username="newpi")
    factories.add_member(study, owner, Role.OWNER)
    t = factories.make_transcript(study, text=TEXT, title="P01 T1")
    login_as(owner)
    page.goto(f"/studies/{study.pk}/transcripts/{t.pk}/")
    assert "Editing your layer" in page.locator("#edit-state").inner_text()
    assert page.locator(".layer-switcher [aria-current]").inner_text().strip() == "Mine"
    page.evaluate(
        """() => { const run = [...document.querySelectorAll('#transcript .r')]
             .find(r => r.textContent.includes('team met'));
           const node = run.firstChild; const at = node.data.indexOf('team met');
           const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + 8);
           getSelection().removeAllRanges(); getSelection().addRange(r);
           run.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0})); }"""
    )
    page.locator("#picker").wait_for(state="visible")
    page.screenshot(path="/tmp/shots-polish/new-owner-mine-picker.png")


def test_a_viewer_sees_the_definitions_link_and_one_count_per_code(setup, page, login_as):
    viewer = factories.make_user(username="viewer")
    factories.add_member(setup["study"], viewer, Role.VIEWER)
    login_as(viewer)
    page.goto(f"/studies/{setup['study'].pk}/transcripts/{setup['t'].pk}/")
    head = page.locator(".codebook-head")
    assert head.get_by_role("link", name="Definitions").is_visible()
    assert head.get_by_role("link", name="Edit").count() == 0
    assert "mine" not in page.locator("#count-legend").inner_text()
    count = page.locator(f'#codebook-tree [data-code="{setup["code"].pk}"] .code-count')
    assert count.inner_text() == "2"
    page.screenshot(path="/tmp/shots-polish/viewer-codebook-panel.png")
