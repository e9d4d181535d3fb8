"""Search filtered by a transcript-level attribute (site, interviewer, language: the bulk
manifest's extra columns) as by a participant one: the API, the page's choices and
auto-coding keep only the transcripts with that value, against a plain scan."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from coding.models import Segment
from studies.models import Attribute
from tests.coding.test_search_page import build

SITES = ["Kowloon", "Sha Tin", "Kowloon", None]  # per transcript of build(); the last has none


@pytest.fixture
def data(study, owner, coder):
    made = build(study)
    for t, site in zip(made["transcripts"], SITES, strict=True):
        if site:
            t.attributes = {"site": site, "language": "yue"}
            t.save(update_fields=["attributes"])
    # P02 names a site of their own: a transcript's own value comes first, theirs otherwise
    p2 = made["participants"][1]
    p2.attributes = {**p2.attributes, "site": "Sha Tin"}
    p2.save(update_fields=["attributes"])
    Attribute.objects.create(study=study, name="site", scope="transcript")
    return made


def site_of(t):
    own = (t.attributes or {}).get("site")
    return own if own is not None else (t.participant.attributes or {}).get("site")


def scan(study, term, site):
    """Hits of ``term`` (case-insensitive) per transcript whose site is ``site``."""
    return {
        t.pk: len(re.findall(re.escape(term), t.text, re.IGNORECASE))
        for t in study.transcripts.select_related("participant")
        if (site_of(t) or "").casefold() == site.casefold()
    }


@pytest.mark.parametrize("site", ["Kowloon", "sha tin"])
def test_the_api_keeps_the_transcripts_of_that_site(owner_client, study, data, site):
    url = reverse("api:study_search", args=[study.pk])
    body = owner_client.get(url, {"q": "family", "attribute:site": site}).json()
    want = scan(study, "family", site)
    assert body["count"] == sum(want.values())
    assert {h["transcript_id"] for h in body["hits"]} == {k for k, v in want.items() if v}


def test_the_page_offers_transcript_values_and_filters_by_them(owner_client, study, data):
    url = reverse("coding:search", args=[study.pk])
    html = owner_client.get(url, {"q": "family"}).text
    assert '<option value="site=Kowloon"' in html
    assert '<option value="language=yue"' in html
    filtered = owner_client.get(url, {"q": "family", "attr": "site=Kowloon"}).text
    total = sum(scan(study, "family", "Kowloon").values())
    assert re.search(rf"\b{total} hits?\b", filtered)


def test_auto_coding_with_a_site_filter_codes_only_that_site(coder_client, coder, study, data):
    from tests import factories

    code = factories.make_code(study, name="Family")
    body = {
        "search": {"q": "family", "attribute:site": "Kowloon"},
        "code_id": code.pk,
        "extend": "match",
        "preview": False,
    }
    response = coder_client.post(
        reverse("api:study_autocode", args=[study.pk]), body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    want = scan(study, "family", "Kowloon")
    got = {}
    for tid in Segment.objects.values_list("transcript_id", flat=True):
        got[tid] = got.get(tid, 0) + 1
    assert got == {k: v for k, v in want.items() if v}
