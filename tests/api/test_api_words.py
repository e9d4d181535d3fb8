"""GET /api/v1/studies/{id}/words: the Words table as JSON, same counts and rules as the page."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.coding.test_words_page import TEXTS, build, independent_counts
from workbench import tokens


def url(study_id) -> str:
    return f"/api/v1/studies/{study_id}/words"


@pytest.fixture
def data(study, owner, coder, viewer):
    return build(study)


def test_it_matches_an_independent_count(owner_client, study, data):
    response = owner_client.get(url(study.pk), {"stop": "include", "min": "1", "top": "500"})

    assert response.status_code == 200
    body = response.json()
    assert body["by"] == "group"
    assert [(c["group"], c["wave"]) for c in body["columns"]] == [
        ("Peer workers", "T1"),
        ("Peer workers", "T2"),
        ("Service users", "T1"),
        ("Service users", "T2"),
    ]
    expected = {
        (t.participant.group.name, t.wave.name): independent_counts(t.text)
        for t in data["transcripts"]
    }
    keys = [(c["group"], c["wave"]) for c in body["columns"]]
    total = sum(expected.values(), Counter())
    assert {w["text"]: w["total"] for w in body["words"]} == dict(total)
    for word in body["words"]:
        assert word["counts"] == [expected[k][word["text"]] for k in keys]
    for column, key in zip(body["columns"], keys, strict=True):
        assert column["transcripts"] == 1
        assert column["words"] == sum(expected[key].values())
    assert body["transcripts"] == 4
    assert body["words_total"] == sum(total.values())
    peer = {p["text"]: p for p in body["phrases"]}["peer support"]
    assert peer["total"] == 4 and peer["counts"] == [3, 0, 1, 0]
    assert "/search/?q=" in peer["search"]


def test_participants_only_and_attribute_columns(owner_client, study, data):
    body = owner_client.get(
        url(study.pk), {"speech": "participant", "by": "attribute:gender", "top": "500"}
    ).json()
    assert body["by"] == "attribute:gender"
    assert [c["group"] for c in body["columns"]] == ["female", "female", "male", "male"]
    words = {w["text"]: w for w in body["words"]}
    assert "training" not in words
    expected = sum(
        (independent_counts(text, speaker=person) for (person, _), text in TEXTS.items()),
        Counter(),
    )
    assert words["family"]["total"] == expected["family"] == 4
    assert words["family"]["counts"] == [2, 1, 1, 0]


def test_a_bad_attribute_is_a_400(owner_client, study, data):
    response = owner_client.get(url(study.pk), {"by": "attribute:nosuch"})
    assert response.status_code == 400
    assert "nosuch" in response.json()["detail"]


def test_tokens_work_and_outsiders_get_404(study, data, owner, outsider):
    key = tokens.token_create(user=owner, name="r")[1]
    response = Client().get(url(study.pk), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    other = tokens.token_create(user=outsider, name="r")[1]
    response = Client().get(url(study.pk), HTTP_AUTHORIZATION=f"Bearer {other}")
    assert response.status_code == 404
    assert Client().get(url(study.pk)).status_code == 401


def test_viewers_and_coders_read_it(coder_client, viewer_client, study, data):
    assert coder_client.get(url(study.pk)).status_code == 200
    assert viewer_client.get(url(study.pk)).status_code == 200


def test_query_count_does_not_grow_with_transcripts(owner_client, study, data):
    owner_client.get(url(study.pk))
    with CaptureQueriesContext(connection) as before:
        owner_client.get(url(study.pk))
    for i in range(10):
        factories.make_transcript(study, title=f"more {i}", text="P01: family and more")
    owner_client.get(url(study.pk))
    with CaptureQueriesContext(connection) as after:
        owner_client.get(url(study.pk))
    assert len(after) == len(before)
