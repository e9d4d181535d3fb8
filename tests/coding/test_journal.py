"""The reflexive journal: private entries are the author's alone, on every page, fragment and
API answer; shared entries reach the team (under blind coding, coders see only the owners')."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import JournalEntry
from coding.themes import services
from tests import factories

PRIVATE = "zqprivate5521"
SHARED_CODER = "zqsharedcoder88"


@pytest.fixture
def journal(study, owner, coder, coder2, viewer):
    code = factories.make_code(study, name="Trust")
    transcript = factories.make_transcript(study, title="PSW01 T1")
    theme = services.theme_create(study=study, actor=owner, name="Belonging", codes=[code])
    services.journal_entry_create(
        study=study, author=owner, body=f"My doubts {PRIVATE}", themes=[theme], codes=[code]
    )
    services.journal_entry_create(
        study=study,
        author=owner,
        title="Team note",
        body="Shared by the PI",
        shared=True,
        themes=[theme],
        transcripts=[transcript],
    )
    services.journal_entry_create(
        study=study, author=coder2, body=f"Erin shares {SHARED_CODER}", shared=True, codes=[code]
    )
    services.journal_entry_create(
        study=study, author=coder2, body=f"Erin alone {PRIVATE}", themes=[theme]
    )
    return {"code": code, "transcript": transcript, "theme": theme}


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _pages(study, theme):
    return [
        reverse("coding:journal", args=[study.pk]),
        reverse("coding:journal", args=[study.pk]) + f"?theme={theme.pk}",
        reverse("coding:theme_detail", args=[study.pk, theme.pk]),
        reverse("coding:theme_board", args=[study.pk]),
        f"/api/v1/studies/{study.pk}/journal",
    ]


def test_private_entries_reach_only_their_author(study, journal, owner, coder, coder2, viewer):
    for user in (owner, coder, coder2, viewer):
        own_private = JournalEntry.objects.filter(author=user, shared=False).count()
        client = _client(user)
        for url in _pages(study, journal["theme"]):
            for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                body = client.get(url, **headers).content.decode()
                assert body.count(PRIVATE) <= own_private, (user.username, url)
                if url.endswith("/journal") and user == owner:
                    assert body.count(PRIVATE) == 1  # the PI sees their own
        assert client.get(_pages(study, journal["theme"])[0]).status_code == 200


def test_the_api_never_returns_others_private_entries(study, journal, coder):
    data = _client(coder).get(f"/api/v1/studies/{study.pk}/journal").json()
    bodies = [e["body"] for e in data]
    assert bodies == [f"Erin shares {SHARED_CODER}", "Shared by the PI"]  # newest first
    assert all(e["shared"] for e in data)


def test_a_blind_coder_sees_only_the_owners_shared_entries(study, journal, coder):
    study.blind_coding = True
    study.save()
    client = _client(coder)
    page = client.get(reverse("coding:journal", args=[study.pk])).content.decode()
    assert "Shared by the PI" in page
    assert SHARED_CODER not in page
    api = client.get(f"/api/v1/studies/{study.pk}/journal").json()
    assert [e["body"] for e in api] == ["Shared by the PI"]


def test_filter_by_link(study, journal, owner):
    client = _client(owner)
    url = reverse("coding:journal", args=[study.pk])
    by_transcript = client.get(url, {"transcript": journal["transcript"].pk}).content.decode()
    assert "Shared by the PI" in by_transcript and PRIVATE not in by_transcript
    by_code = client.get(url, {"code": journal["code"].pk}).content.decode()
    assert PRIVATE in by_code and SHARED_CODER in by_code and "Shared by the PI" not in by_code


def test_a_coder_writes_a_private_entry_linked_to_a_theme(study, journal, coder):
    client = _client(coder)
    response = client.post(
        reverse("coding:journal_create", args=[study.pk]),
        {
            "title": "After PSW01",
            "body": "I expected trust to be easy",
            "themes": [journal["theme"].pk],
            "codes": [journal["code"].pk],
            "transcripts": [journal["transcript"].pk],
        },
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get(author=coder)
    assert not entry.shared
    assert list(entry.themes.all()) == [journal["theme"]]
    assert list(entry.transcripts.all()) == [journal["transcript"]]


def test_viewers_and_outsiders_cannot_write(study, journal, viewer, outsider):
    url = reverse("coding:journal_create", args=[study.pk])
    assert _client(viewer).post(url, {"body": "x"}).status_code == 403
    assert _client(outsider).post(url, {"body": "x"}).status_code == 404
    assert _client(outsider).get(reverse("coding:journal", args=[study.pk])).status_code == 404
    api = f"/api/v1/studies/{study.pk}/journal"
    assert (
        _client(viewer).post(api, {"body": "x"}, content_type="application/json").status_code == 403
    )
    assert _client(outsider).get(api).status_code == 404
    assert JournalEntry.objects.count() == 4


def test_a_link_to_another_study_is_refused(study, journal, coder):
    foreign = factories.make_transcript(factories.make_study(), title="Elsewhere")
    response = _client(coder).post(
        f"/api/v1/studies/{study.pk}/journal",
        {"body": "x", "transcript_ids": [foreign.pk]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert JournalEntry.objects.count() == 4


def test_the_journal_page_takes_a_fixed_number_of_queries(
    study, journal, owner, django_assert_max_num_queries
):
    client = _client(owner)
    url = reverse("coding:journal", args=[study.pk])
    client.get(url)
    # session, user, membership, codebook, entries + 3 prefetches (transcripts, codes,
    # themes), the new-entry and filter forms' choices (transcripts, codes, themes: 6 each)
    with django_assert_max_num_queries(20) as before:
        client.get(url)
    t = factories.make_transcript(study, title="More")
    for _ in range(5):
        services.journal_entry_create(
            study=study,
            author=owner,
            body="more",
            shared=True,
            transcripts=[t],
            codes=[journal["code"]],
            themes=[journal["theme"]],
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_api_themes_and_prevalence(study, journal, owner, coder, viewer):
    client = _client(coder)
    base = f"/api/v1/studies/{study.pk}/themes"
    created = client.post(
        base,
        {"name": "Trust grows", "code_ids": [journal["code"].pk]},
        content_type="application/json",
    )
    assert created.status_code == 201
    tid = created.json()["id"]
    assert created.json()["events"][0]["kind"] == "created"
    refused = client.patch(f"{base}/{tid}", {"status": "reviewed"}, content_type="application/json")
    assert refused.status_code == 400  # no reason
    ok = client.patch(
        f"{base}/{tid}",
        {"status": "reviewed", "reason": "Seen in T2"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    assert [e["kind"] for e in ok.json()["events"]] == ["created", "status"]
    assert ok.json()["events"][1]["reason"] == "Seen in T2"
    assert (
        _client(viewer)
        .patch(f"{base}/{tid}", {"status": "final", "reason": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert [t["name"] for t in _client(viewer).get(base).json()] == ["Belonging", "Trust grows"]
    prev = _client(viewer).get(f"{base}/{tid}/prevalence").json()
    assert prev["theme_id"] == tid and prev["cells"] == []  # no groups or waves in this study
