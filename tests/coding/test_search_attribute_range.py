"""The search page offers a number attribute as one range field (not one entry per value),
and the range keeps both ends."""

from __future__ import annotations

import re

from django.urls import reverse

from studies.models import Attribute
from tests import factories


def build(study):
    wave = factories.make_wave(study, name="T1")
    people = {}
    for name, age, gender in (("P1", 29, "female"), ("P2", 30, "male"), ("P3", 41, "male")):
        p = factories.make_participant(
            study, pseudonym=name, attributes={"age": age, "gender": gender}
        )
        people[name] = p
        factories.make_transcript(
            study,
            participant=p,
            wave=wave,
            title=name,
            text=f"Interviewer: Family?\n{name}: family",
        )
    Attribute.objects.create(study=study, name="age", kind="number")
    Attribute.objects.create(study=study, name="gender", kind="choice", choices=["female", "male"])
    return people


def titles(html):
    return set(re.findall(r'class="search-hit-title"[^>]*>([^<]+)<', html)) or set(
        re.findall(r">(P\d)</a>", html)
    )


def test_a_number_attribute_is_a_range_field_not_a_list_of_values(owner_client, study):
    build(study)
    html = owner_client.get(reverse("coding:search", args=[study.pk])).text
    assert 'name="attribute:age"' in html
    assert "e.g. 30 or 18..30" in html
    assert not re.search(r"<option[^>]*>age: \d+</option>", html)
    assert re.search(r"<option[^>]*>gender: female</option>", html)


def test_the_range_field_keeps_both_ends_and_shows_what_was_asked(owner_client, study):
    people = build(study)
    url = reverse("coding:search", args=[study.pk])
    response = owner_client.get(url, {"q": "family", "attribute:age": "29..30", "attr": ""})
    html = response.text
    assert 'value="29..30"' in html
    got = {int(t) for t in re.findall(r'data-transcript="(\d+)"', html)} or {
        int(t) for t in re.findall(r"/transcripts/(\d+)/", html)
    }
    want = {t.pk for p in (people["P1"], people["P2"]) for t in p.transcripts.all()}
    assert got == want


def test_a_phrase_is_quoted_once_in_the_summary(owner_client, study):
    build(study)
    html = owner_client.get(reverse("coding:search", args=[study.pk]), {"q": '"family"'}).text
    assert '<q>"family"</q>' not in html and "<q>&quot;family&quot;</q>" not in html
    assert re.search(r'</strong> · <span translate="no">&quot;family&quot;</span>', html)
