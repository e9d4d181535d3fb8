"""A PI auto-codes the participants' "family" in the demo study in Chromium: preview,
create one batch, see a highlight on the coding page, undo the batch from the search."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from coding.models import AuditEvent, Code, Segment
from studies.models import Study
from tests.browser.coding_helpers import SEGMENTS_AT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/autocode-journey"


def test_a_pi_auto_codes_the_participants_family_and_undoes_the_batch(page, login_as, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="pw-for-tests-1", stdout=StringIO())
    study = Study.objects.get()
    pi = get_user_model().objects.get(username="pi")
    code = Code.objects.filter(study=study, is_codable=True, archived=False).order_by("name")[0]
    before = set(Segment.objects.values_list("pk", flat=True))
    login_as(pi)

    page.goto(reverse("coding:search", args=[study.pk]))
    page.get_by_label("Words or “a phrase”").fill("family")
    page.get_by_label("Whose words").select_option("participant")
    page.get_by_role("button", name="Search").click()
    page.locator(".search-summary").wait_for()
    page.wait_for_load_state("networkidle")  # the option's change and the submit both re-render
    page.get_by_text(re.compile(r"Auto-code these \d+ hits")).click()
    page.get_by_label("Code", exact=True).select_option(str(code.pk))
    page.get_by_label("Code each hit with").select_option("sentence")
    page.get_by_role("button", name="Preview").click()

    summary = page.locator(".autocode-summary")
    summary.wait_for()
    count = int(re.match(r"(\d+) highlight", summary.inner_text()).group(1))
    assert count > 0
    assert not Segment.objects.exclude(pk__in=before).exists()  # the preview wrote nothing
    page.screenshot(path=f"{SHOTS}-preview.png", full_page=False)
    page.get_by_role("button", name=re.compile(r"Create \d+ highlight")).click()

    page.get_by_text(f"Auto-coded {count} passage").first.wait_for()
    made = Segment.objects.exclude(pk__in=before)
    assert made.count() == count
    assert {s.code_id for s in made} == {code.pk}
    for seg in made:  # each a whole sentence of the participant's turn holding "family"
        assert "family" in seg.quote.lower()
        assert seg.quote == seg.transcript.text[seg.start : seg.end]
    batch = AuditEvent.objects.get(action="segment.autocode")
    assert sorted(row[0] for row in batch.after["segments"]) == sorted(s.pk for s in made)
    page.screenshot(path=f"{SHOTS}-created.png", full_page=False)
    search_url = page.url

    first = made.order_by("transcript_id", "start").first()
    page.goto(reverse("coding:transcript_code", args=[study.pk, first.transcript_id]))
    # A run starts at every segment boundary: the one at the segment's start is coded with it.
    mark = page.locator(f'mark.r[data-start="{first.start}"]')
    mark.first.wait_for()
    assert first.pk in mark.first.evaluate(SEGMENTS_AT)
    mark.first.scroll_into_view_if_needed()
    page.screenshot(path=f"{SHOTS}-coding-page.png", full_page=False)

    page.goto(search_url)
    page.get_by_role("button", name="Undo the batch").click()
    page.get_by_text(f"Undone: the auto-coding batch ({count} highlight").wait_for()
    assert not Segment.objects.exclude(pk__in=before).exists()
    assert set(Segment.objects.values_list("pk", flat=True)) == before
    page.screenshot(path=f"{SHOTS}-undone.png", full_page=False)


UNDO_TEXTS = [
    "Interviewer: Your family?\nP01: My family helps. 我屋企人 family 𠮷 too.\nP01: And friends.",
    "Interviewer: Work?\nP01: My family is far. Work is near.",
    "Interviewer: Friends?\nP02: No family here. Only friends.",
]


def test_a_coder_undoes_an_auto_coding_batch_from_the_coding_page_with_the_keyboard(page, login_as):
    from studies.models import Role
    from tests import factories

    study = factories.make_study(name="Undo study")
    bob = factories.make_user(username="bob")
    factories.add_member(study, bob, Role.CODER)
    group = factories.make_group(study, name="Service users")
    wave = factories.make_wave(study, name="T1")
    people = [factories.make_participant(study, pseudonym=p, group=group) for p in ("P01", "P02")]
    made = [
        factories.make_transcript(
            study, participant=people[i // 2], wave=wave, text=t, title=f"T{i}"
        )
        for i, t in enumerate(UNDO_TEXTS)
    ]
    family = factories.make_code(study, name="Family", color="#0072B2")
    login_as(bob)

    # Auto-code the participants' "family" from the Search page.
    page.goto(reverse("coding:search", args=[study.pk]) + "?q=family&speech=participant")
    page.get_by_text(re.compile(r"Auto-code these \d+ hits")).click()
    page.get_by_label("Code", exact=True).select_option(str(family.pk))
    page.get_by_label("Code each hit with").select_option("sentence")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name=re.compile(r"Create \d+ highlight")).click()
    page.get_by_text("Auto-coded 4 passages").first.wait_for()
    batch = AuditEvent.objects.get(action="segment.autocode")
    expected = set()  # a plain scan: each sentence of a participant holding "family"
    for t in made:
        for sentence in re.findall(
            r"(?<=: )[^.\n]*family[^.\n]*\.|(?<=\. )[^.\n]*family[^.\n]*\.", t.text
        ):
            start = t.text.index(sentence)
            expected.add((t.pk, start, start + len(sentence)))
    assert set(Segment.objects.values_list("transcript_id", "start", "end")) == expected
    assert len(expected) == 4

    # Open the first transcript with the keyboard in the transcript.
    t0 = made[0]
    page.goto(reverse("coding:transcript_code", args=[study.pk, t0.pk]))
    transcript = page.locator("#transcript")
    transcript.focus()

    # Ctrl+Z: the batch reaches two other transcripts, so the page asks, naming it.
    page.keyboard.press("Control+z")
    question = page.locator("#toast .toast-text")
    question.wait_for()
    assert question.inner_text() == "Undo auto-coding ‘Family’: 4 passages in 3 transcripts?"
    confirm = page.get_by_role("button", name="Undo the batch")
    assert confirm.evaluate("el => el === document.activeElement")
    page.screenshot(path=f"{SHOTS}-undo-question.png", full_page=False)

    # Escape keeps it; nothing changes, focus goes back to the transcript.
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('#toast .toast-text')")
    assert transcript.evaluate("el => el === document.activeElement")
    assert Segment.objects.count() == 4

    # Ctrl+Z again, Enter: the batch goes, in every transcript, as one audit event.
    page.keyboard.press("Control+z")
    page.get_by_role("button", name="Undo the batch").wait_for()
    # The question takes the focus once it has settled (as a person sees it, then presses).
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.textContent.trim() === 'Undo the batch'"
    )
    page.keyboard.press("Enter")
    done = page.locator("#toast .toast-text", has_text="Undone")
    done.wait_for()
    assert done.inner_text() == "Undone: auto-coding ‘Family’ (4 passages in 3 transcripts)"
    assert not Segment.objects.exists()
    assert page.locator("#transcript mark.r").count() == 0
    assert list(AuditEvent.objects.filter(pk__gt=batch.pk).values_list("action", "object_id")) == [
        ("segment.autocode_undo", batch.pk)
    ]
    page.screenshot(path=f"{SHOTS}-undo-done.png", full_page=False)

    # The Search page agrees: its toast no longer offers the batch's undo.
    page.goto(
        reverse("coding:search", args=[study.pk]) + f"?q=family&speech=participant&batch={batch.pk}"
    )
    page.locator(".search-summary").wait_for()
    assert page.get_by_role("button", name="Undo the batch").count() == 0
