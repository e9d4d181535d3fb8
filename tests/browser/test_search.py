"""A PI searches the demo study in Chromium: 朋輩 (with Traditional = Simplified) and
"family", reads the counts by group and wave, opens a hit on the coding page."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from studies.models import Study, Transcript

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/search-journey"


def test_a_pi_searches_the_demo_study_and_opens_a_hit(page, login_as, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="pw-for-tests-1", stdout=StringIO())
    study = Study.objects.get()
    pi = get_user_model().objects.get(username="pi")
    texts = dict(study.transcripts.values_list("pk", "text"))
    login_as(pi)

    page.goto(reverse("studies:study_dashboard", args=[study.pk]))
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Search").click()
    page.get_by_label("Words or “a phrase”").fill("朋輩")
    page.get_by_label("Traditional = Simplified").check()
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    summary = results.locator(".search-summary")
    summary.wait_for()
    # Every 朋輩 and 朋辈 of the corpus, counted independently.
    expected = sum(t.count("朋輩") + t.count("朋辈") for t in texts.values())
    assert expected > 0
    page.wait_for_function(
        "n => document.querySelector('.search-summary strong')?.textContent.startsWith(n + ' hit')",
        arg=expected,
    )
    table = results.get_by_role("table", name=re.compile("Hits by group and wave"))
    assert table.locator("thead th").all_inner_texts()[1:4] == [w.name for w in study.waves.all()]
    page.screenshot(path=f"{SHOTS}-han.png", full_page=False)

    page.get_by_label("Words or “a phrase”").fill("family")
    page.get_by_label("Traditional = Simplified").uncheck()
    page.get_by_role("button", name="Search").click()
    expected = sum(len(re.findall("family", t, re.IGNORECASE)) for t in texts.values())
    page.wait_for_function(
        "n => document.querySelector('.search-summary strong')?.textContent.startsWith(n + ' hit')",
        arg=expected,
    )
    rows = table.locator("tbody tr")
    assert rows.count() == study.groups.count()
    # The table's grand total is the summary's count.
    assert table.locator("tfoot td").last.inner_text() == str(expected)
    page.screenshot(path=f"{SHOTS}-family.png", full_page=False)

    link = results.get_by_role("link", name=re.compile("Open in transcript")).first
    href = link.get_attribute("href")
    start, end = map(int, re.search(r"at=(\d+)-(\d+)", href).groups())
    transcript = Transcript.objects.get(pk=int(re.search(r"/transcripts/(\d+)/", href).group(1)))
    assert transcript.text[start:end].lower() == "family"
    link.click()
    page.wait_for_url(re.compile(r"/transcripts/\d+/\?at="))
    # The match is the page's cursor: selected, drawn and scrolled into view.
    page.wait_for_function("() => CSS.highlights && CSS.highlights.has('cursor')")
    shown = page.evaluate(
        """() => { const h = CSS.highlights.get('cursor'); const r = [...h][0];
                   const b = r.getBoundingClientRect();
                   return {text: r.toString(), top: b.top, bottom: b.bottom, h: innerHeight}; }"""
    )
    assert shown["text"].lower() == "family"
    assert shown["top"] >= 0 and shown["bottom"] <= shown["h"]
    page.screenshot(path=f"{SHOTS}-coding-page.png", full_page=False)
