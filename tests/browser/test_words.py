"""A PI compares word frequencies across waves in Chromium: opens Words, counts only the
participants' speech, reads a word's counts per group × wave, and clicks the word to land
on Search with its hits."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import QueryDict
from django.urls import reverse

from coding.compare import cuts
from coding.words import forms, selectors
from studies.models import Study

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/shots-wordfreq/words-journey"
WORD = re.compile(r"(?<![^\W\d_])family(?![^\W\d_'’])", re.IGNORECASE)


def test_a_pi_compares_waves_and_opens_a_word_in_search(page, login_as, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", password="pw-for-tests-1", stdout=StringIO())
    study = Study.objects.get()
    # The server has counted the study before (the counts are kept per transcript): the
    # first count of 77 texts takes seconds on a busy machine, longer than a click waits.
    for query in ("", "speech=participant"):
        q = QueryDict(query)
        selectors.word_table(study, forms.word_params(q), cuts.cut_from(study, q))
    pi = get_user_model().objects.get(username="pi")
    waves = [w.name for w in study.waves.all()]
    groups = [g.name for g in study.groups.all()]
    login_as(pi)

    page.goto(reverse("studies:study_dashboard", args=[study.pk]))
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Words").click()
    words = page.get_by_role("table", name=re.compile("Most frequent words"))
    words.wait_for()
    # The columns: each group, then its waves, as on the matrix and the search counts.
    assert words.locator("thead tr").first.locator("th.group-head").all_inner_texts() == groups
    heads = words.locator("thead tr").nth(1).locator("th").all_inner_texts()
    assert [h.split("\n")[0].strip() for h in heads] == waves * len(groups)

    # "family" per wave, everyone's words: an independent count of the whole word.
    by_wave = dict.fromkeys(waves, 0)
    for wave, text in study.transcripts.values_list("wave__name", "text"):
        if wave:
            by_wave[wave] += len(WORD.findall(text))
    row = words.locator("tbody tr", has=page.get_by_role("link", name="family", exact=True))
    cells = [int(c.replace(",", "")) for c in row.locator("td").all_inner_texts()]
    per_wave = [
        sum(cells[i] for i in range(j, len(waves) * len(groups), len(waves)))
        for j in range(len(waves))
    ]
    assert per_wave == [by_wave[w] for w in waves]
    assert cells[-1] == sum(by_wave.values())
    page.screenshot(path=f"{SHOTS}-everyone.png", full_page=False)

    page.get_by_label("Whose words").select_option(label="Only the participant's")
    page.wait_for_url(re.compile(r"speech=participant"))
    page.get_by_text("only the participants' words").wait_for()
    # The most frequent word of the participants' speech, then its search.
    first = words.locator("tbody tr").first
    word = first.locator("th a").inner_text()
    word_total = int(first.locator("td").last.inner_text().replace(",", ""))
    assert word_total > 0
    page.screenshot(path=f"{SHOTS}-participants.png", full_page=False)

    first.get_by_role("link", name=word, exact=True).click()
    page.wait_for_url(re.compile(rf"/search/\?q={re.escape(word)}"))
    summary = page.locator(".search-summary")
    summary.wait_for()
    hits = int(summary.locator("strong").inner_text().split()[0])
    # The search finds the word wherever the participants say it (whole words).
    assert hits == word_total
    assert page.get_by_label("Words or “a phrase”").input_value() == word
    assert page.get_by_label("Whole words").is_checked()
    assert page.get_by_label("Whose words").input_value() == "participant"
    page.screenshot(path=f"{SHOTS}-search.png", full_page=False)
