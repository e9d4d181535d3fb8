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
    page.get_by_label('Words or "a phrase"').fill("family")
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
