"""Journey: a PI marks two exemplars, one from the coding page's popover (keyboard), one
from a retrieval row, opens the theme report and downloads it as DOCX. Screenshots under
/tmp/shots-exemplars/."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document

from coding.models import Exemplar
from coding.themes import services as theme_services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots-exemplars")

TEXT_A = "Interviewer: How did it start?\nPSW03: 一開始我好孤單 𠝹, but the team took me in.\n"
TEXT_B = "Interviewer: And now?\nSU11: My peer worker knows what it is like.\n"


def test_a_pi_marks_two_exemplars_and_downloads_the_theme_report(
    page, login_as, study, owner, coder
):
    SHOTS.mkdir(exist_ok=True)
    psw = factories.make_group(study, name="Peer support workers", position=0)
    su = factories.make_group(study, name="Service users", position=1)
    t2 = factories.make_wave(study, name="T2 Work placement")
    a = factories.make_transcript(
        study,
        participant=factories.make_participant(study, pseudonym="PSW03", group=psw),
        wave=t2,
        text=TEXT_A,
        title="PSW03 T2",
    )
    b = factories.make_transcript(
        study,
        participant=factories.make_participant(study, pseudonym="SU11", group=su),
        wave=t2,
        text=TEXT_B,
        title="SU11 T2",
    )
    belonging = factories.make_code(study, name="Belonging", color="#0072B2")
    lived = factories.make_code(study, name="Lived experience", color="#D55E00")
    mine = factories.make_layer(study, owner)
    q1 = "一開始我好孤單 𠝹, but the team took me in"
    s1 = factories.make_segment(a, belonging, mine, TEXT_A.index(q1), TEXT_A.index(q1) + len(q1))
    q2 = "My peer worker knows what it is like"
    s2 = factories.make_segment(
        b, lived, factories.make_layer(study, coder), TEXT_B.index(q2), TEXT_B.index(q2) + len(q2)
    )
    theme = theme_services.theme_create(
        study=study, actor=owner, name="Being one of the team", codes=[belonging]
    )
    theme_services.theme_create(
        study=study, actor=owner, name="Lived experience as an asset", codes=[lived]
    )
    login_as(owner)

    # I open PSW03's transcript, open the highlight and choose "Exemplar…" with the keyboard
    page.goto(reverse("coding:transcript_code", args=[study.pk, a.pk]))
    page.locator("mark.r").first.click()
    pop = page.locator("#seg-pop")
    link = pop.get_by_role("link", name=re.compile("Mark as exemplar: Belonging"))
    link.wait_for()
    page.screenshot(path=str(SHOTS / "popover-exemplar.png"))
    link.focus()
    page.keyboard.press("Enter")

    # I mark it for the theme, with a note, and come back to the transcript
    page.get_by_role("heading", name="Mark as exemplar").wait_for()
    page.get_by_label("Exemplar of").select_option(label="Being one of the team")
    page.get_by_label("Note (optional)").fill("Loneliness turning into belonging")
    page.screenshot(path=str(SHOTS / "exemplar-form.png"), full_page=True)
    page.get_by_role("button", name="Mark exemplar").click()
    page.wait_for_url(re.compile(rf"/transcripts/{a.pk}/"))
    ex = Exemplar.objects.get()
    assert (ex.segment_id, ex.theme_id, ex.code_id, ex.note) == (
        s1.pk,
        theme.pk,
        None,
        "Loneliness turning into belonging",
    )

    # From Retrieval, I mark the coder's passage as an exemplar of its code
    page.goto(reverse("coding:retrieval", args=[study.pk]) + f"?code={lived.pk}&layer=union")
    page.screenshot(path=str(SHOTS / "retrieval.png"), full_page=True)
    page.get_by_role("link", name=re.compile(r"Exemplar….*mark SU11 T2")).click()
    page.get_by_label("Exemplar of").select_option(label="Lived experience (this passage's code)")
    page.get_by_role("button", name="Mark exemplar").click()
    page.wait_for_url(re.compile(r"/retrieval/"))
    assert Exemplar.objects.filter(segment=s2, code=lived, theme=None).exists()

    # I open the theme report: prevalence with denominators and the tagged quotes
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Results").click()
    page.get_by_role("heading", name="Theme report").wait_for()
    section = page.get_by_role("region", name="Being one of the team")
    assert section.get_by_role("cell", name="1/1 (100%)").count() == 1
    assert f"“{q1}” (PSW03, peer support worker, T2)" in section.inner_text()
    other = page.get_by_role("region", name="Lived experience as an asset")
    assert f"“{q2}” (SU11, service user, T2)" in other.inner_text()
    page.screenshot(path=str(SHOTS / "theme-report.png"), full_page=True)

    # and download it as DOCX
    with page.expect_download() as info:
        page.get_by_role("link", name="Download DOCX").click()
    doc = Document(io.BytesIO(Path(info.value.path()).read_bytes()))
    texts = [p.text for p in doc.paragraphs]
    assert f"“{a.text[s1.start : s1.end]}” (PSW03, peer support worker, T2)" in texts
    assert f"“{b.text[s2.start : s2.end]}” (SU11, service user, T2)" in texts
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["Peer support workers", "1/1 (100%)"]

    # and the portraits page shows the case × theme × wave table
    page.get_by_role("link", name="Participant portraits").click()
    page.get_by_role("heading", name="Participant portraits").wait_for()
    page.screenshot(path=str(SHOTS / "portraits.png"), full_page=True)
    page.get_by_role("link", name="PSW03").click()
    page.get_by_role("heading", name=re.compile("Portrait of PSW03")).wait_for()
    page.screenshot(path=str(SHOTS / "portrait-psw03.png"), full_page=True)
