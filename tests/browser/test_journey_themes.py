"""Journey: a PI builds three themes from codes, splits one, merges two, reads the history and
the change summary across waves; writes a private and a shared journal entry; a coder sees
only the shared one. Driven through what is on screen, checked against the database and a
count made from the raw segments."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coding.models import JournalEntry, Segment, Theme, ThemeStatus
from studies.models import Role
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-themes"


@pytest.fixture
def study():
    study = factories.make_study(name="Peer support in Hong Kong")
    pi = factories.make_user(username="pi")
    bob = factories.make_user(username="bob")
    factories.add_member(study, pi, Role.OWNER)
    factories.add_member(study, bob, Role.CODER)
    psw = factories.make_group(study, name="PSW", position=0)
    staff = factories.make_group(study, name="Staff", position=1)
    waves = [factories.make_wave(study, name=f"T{i}", position=i) for i in (1, 2, 3)]
    role = factories.make_code(study, name="Role confusion", color="#E69F00")
    trust = factories.make_code(study, name="Trust", color="#009E73")
    lived = factories.make_code(study, name="Lived experience", color="#56B4E9")
    money = factories.make_code(study, name="Money worries", color="#CC79A7")
    family = factories.make_code(study, name="Family", color="#D55E00")
    consensus = factories.make_layer(study)
    bobs = factories.make_layer(study, user=bob)
    # PSW: trust rises from 1/3 at T1 to 3/3 at T3; staff: role confusion disappears.
    coded = {
        ("PSW01", "T1"): [trust, role],
        ("PSW02", "T1"): [role],
        ("PSW01", "T2"): [trust],
        ("PSW02", "T2"): [trust, money],
        ("PSW01", "T3"): [trust, lived],
        ("PSW02", "T3"): [trust],
        ("PSW03", "T3"): [trust, family],
        ("S1", "T1"): [role],
        ("S2", "T2"): [role, money],
    }
    for name, group in (
        ("PSW01", psw),
        ("PSW02", psw),
        ("PSW03", psw),
        ("S1", staff),
        ("S2", staff),
    ):
        p = factories.make_participant(study, pseudonym=name, group=group)
        for w in waves:
            t = factories.make_transcript(study, participant=p, wave=w, title=f"{name} {w.name}")
            start = t.text.index("我")
            for code in coded.get((name, w.name), []):
                factories.make_segment(t, code, consensus, start, start + 8)
                factories.make_segment(t, code, bobs, start, start + 5)
    return study, pi, bob


def _create_theme(page, name, concept, codes):
    form = page.get_by_role("region", name="New candidate theme")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Central organising concept").fill(concept)
    form.get_by_label("Codes").select_option(label=codes)
    form.get_by_role("button", name="Create theme").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(name)
    page.get_by_role("link", name="← All themes").click()


def test_a_pi_builds_themes_and_keeps_a_journal(study, page, login_as, live_server):
    study, pi, bob = study
    login_as(pi)
    page.goto(f"/studies/{study.pk}/")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Themes").click()

    # I build three candidate themes from codes.
    _create_theme(
        page,
        "Becoming a colleague",
        "Trust earned through lived experience",
        ["Trust", "Lived experience", "Money worries"],
    )
    _create_theme(
        page, "Not knowing the role", "Nobody knew what a peer worker does", ["Role confusion"]
    )
    _create_theme(page, "Life outside work", "Family and money shape the work", ["Family"])
    assert Theme.objects.filter(study=study).count() == 3
    board = page.get_by_role("region", name="Candidate")
    expect(board.get_by_role("article")).to_have_count(3)

    # I split "Money worries" off "Becoming a colleague".
    page.get_by_role("link", name="Becoming a colleague").click()
    split = page.get_by_role("region", name="Split")
    split.get_by_label("New theme", exact=True).fill("Precarious pay")
    split.get_by_label("Codes the new theme takes").select_option(label=["Money worries"])
    split.get_by_label("Reason for the split").fill("Money is a separate story from trust")
    split.get_by_role("button", name="Split theme").click()
    colleague = Theme.objects.get(name="Becoming a colleague")
    pay = Theme.objects.get(name="Precarious pay")
    assert {c.name for c in colleague.codes.all()} == {"Trust", "Lived experience"}
    assert [c.name for c in pay.codes.all()] == ["Money worries"]

    # I merge "Precarious pay" into "Life outside work".
    page.get_by_role("link", name="← All themes").click()
    merge = page.get_by_role("region", name="Merge themes")
    merge.get_by_label("Keep").select_option(label="Life outside work")
    merge.get_by_label("Merge into it").select_option(label=["Precarious pay"])
    merge.get_by_label("Reason").fill("Pay worries are part of life outside work")
    merge.get_by_role("button", name="Merge").click()
    life = Theme.objects.get(name="Life outside work")
    pay.refresh_from_db()
    assert pay.status == ThemeStatus.DISCARDED
    assert {c.name for c in life.codes.all()} == {"Family", "Money worries"}
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Merged in “Precarious pay”")
    expect(history).to_contain_text("Pay worries are part of life outside work")
    page.screenshot(path=f"{SHOTS}/theme-merged.png", full_page=True)

    # I mark "Becoming a colleague" reviewed and read its history and change across waves.
    page.get_by_role("link", name="← All themes").click()
    page.get_by_role("link", name="Becoming a colleague").click()
    status = page.get_by_role("region", name="Status")
    status.get_by_label("Status", exact=True).select_option(label="Reviewed")
    status.get_by_label("Reason for the status").fill("Checked against all T3 interviews")
    status.get_by_role("button", name="Change status").click()
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Split: “Precarious pay” took codes")
    expect(history).to_contain_text("Money is a separate story from trust")
    expect(history).to_contain_text("Status candidate → reviewed")

    # The change summary, against a count from the raw segments (trust or lived experience).
    def present(group, wave):
        return (
            Segment.objects.filter(
                layer__kind="consensus",
                code__name__in=["Trust", "Lived experience"],
                transcript__participant__group__name=group,
                transcript__wave__name=wave,
            )
            .values("transcript__participant")
            .distinct()
            .count()
        )

    t1, t3 = present("PSW", "T1"), present("PSW", "T3")
    assert (t1, t3) == (1, 3)
    prev = page.get_by_role("region", name="Prevalence by group and wave")
    # Consensus covers only the coded interviews, so the page counts the coders' union (kept
    # through my status change) until
    # I choose the consensus layer (as on the comparison pages).
    expect(prev).to_contain_text("Layer: Coders' union")
    prev.get_by_label("Source layer").select_option(value="consensus")
    prev.get_by_role("button", name="Count this layer").click()
    prev = page.get_by_role("region", name="Prevalence by group and wave")
    expect(prev).to_contain_text(f"PSW: {t1}/3 at T1 → {t3}/3 at T3 (rises overall)")
    expect(prev.get_by_role("row", name=re.compile("^PSW"))).to_contain_text("3/3 · 100%")
    page.get_by_label("Through-line memo").fill(
        "Trust grows from T1 to T3 as colleagues see lived experience at work."
    )
    page.get_by_role("button", name="Save through-line").click()
    colleague.refresh_from_db()
    assert colleague.through_line.startswith("Trust grows")
    page.screenshot(path=f"{SHOTS}/theme-detail-pi.png", full_page=True)

    # I write a private and a shared journal entry, linked to the theme.
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Journal").click()
    new = page.get_by_role("region", name="New entry")
    new.get_by_label("Title (optional)").fill("My assumptions")
    new.get_by_label("Entry").fill(
        "As a former peer worker I expect trust to grow; watch for that."
    )
    new.get_by_label("Themes").select_option(label=["Becoming a colleague"])
    new.get_by_role("button", name="Add entry").click()
    new = page.get_by_role("region", name="New entry")
    new.get_by_label("Title (optional)").fill("For the team")
    new.get_by_label("Entry").fill("Please code staff T3 with the role codes in mind.")
    new.get_by_label("Share with the team").check()
    new.get_by_label("Transcripts").select_option(label=["S1 T3"])
    new.get_by_role("button", name="Add entry").click()
    entries = page.get_by_role("region", name="Journal entries")
    expect(entries.get_by_role("article")).to_have_count(2)
    expect(entries.get_by_role("article").first).to_contain_text("For the team")  # newest first
    private = JournalEntry.objects.get(title="My assumptions")
    assert not private.shared and list(private.themes.all()) == [colleague]
    assert JournalEntry.objects.get(title="For the team").shared
    page.screenshot(path=f"{SHOTS}/journal-pi.png", full_page=True)
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Themes").click()
    expect(page.get_by_role("article", name="Becoming a colleague")).to_contain_text(
        "1 journal entry"
    )
    page.screenshot(path=f"{SHOTS}/board-pi.png", full_page=True)

    # A coder sees only the shared entry.
    page.context.clear_cookies()
    login_as(bob)
    page.goto(f"/studies/{study.pk}/journal/")
    entries = page.get_by_role("region", name="Journal entries")
    expect(entries.get_by_role("article")).to_have_count(1)
    expect(entries).to_contain_text("For the team")
    expect(page.locator("body")).not_to_contain_text("My assumptions")
    page.screenshot(path=f"{SHOTS}/journal-coder.png", full_page=True)
    page.goto(f"/studies/{study.pk}/themes/{colleague.pk}/")
    expect(page.locator("body")).not_to_contain_text("former peer worker")
