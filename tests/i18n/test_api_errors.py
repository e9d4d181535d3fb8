"""The JSON API's errors read in the requester's language (Accept-Language or their saved
choice); the keys and the machine-readable ``code`` stay English, the same in every language."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from studies.models import UserPreferences
from tests import factories
from tests.i18n.english import english_words
from workbench import tokens

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-HK"}
EN = {"Accept-Language": "en"}


def _client(key: str | None, headers: dict) -> Client:
    extra = dict(headers)
    if key:
        extra["Authorization"] = f"Bearer {key}"
    return Client(headers=extra)


@pytest.fixture
def coder_key(coder):
    return tokens.token_create(user=coder, name="R scripts", scope="write")[1]


@pytest.fixture
def read_key(coder):
    return tokens.token_create(user=coder, name="reader", scope="read")[1]


def _both(call):
    """(English answer, Chinese answer) of the same call."""
    return call(EN), call(ZH)


def _assert_chinese(body: dict) -> None:
    """Chinese words; only what stands between backticks (a field, a header, an HTTP line,
    as the English writes them) stays as it is."""
    assert set(body) == {"detail", "code"}, body
    assert CJK.search(body["detail"]), body
    assert not english_words(re.sub(r"`[^`]*`", " ", body["detail"])), body


def test_a_missing_study_is_a_chinese_404_with_the_english_code(study, coder_key):
    en, zh = _both(lambda h: _client(coder_key, h).get("/api/v1/studies/999999/codes"))

    assert en.status_code == zh.status_code == 404
    assert en.json() == {"detail": "No such study.", "code": "not_found"}
    assert zh.json()["code"] == "not_found"
    _assert_chinese(zh.json())


def test_no_credentials_is_a_chinese_401(db):
    en, zh = _both(lambda h: _client(None, h).get("/api/v1/studies"))

    assert en.status_code == zh.status_code == 401
    assert en.json()["code"] == zh.json()["code"] == "not_authenticated"
    _assert_chinese(zh.json())


def test_a_wrong_token_and_a_read_only_token_have_their_own_codes(study, read_key):
    en, zh = _both(lambda h: _client("nonsense", h).get("/api/v1/studies"))
    assert en.json()["code"] == zh.json()["code"] == "token_invalid"
    _assert_chinese(zh.json())

    transcript = factories.make_transcript(study)
    url = f"/api/v1/transcripts/{transcript.pk}/segments"
    en, zh = _both(lambda h: _client(read_key, h).post(url, {}, content_type="application/json"))
    assert en.status_code == zh.status_code == 403
    assert en.json()["code"] == zh.json()["code"] == "token_read_only"
    _assert_chinese(zh.json())


def test_a_refused_segment_write_reads_chinese(study, coder, coder_key):
    transcript = factories.make_transcript(study, text="We talked about hope.")
    code = factories.make_code(study)
    url = f"/api/v1/transcripts/{transcript.pk}/segments"
    body = {"code_id": code.pk, "start": 0, "end": 2}

    en, zh = _both(lambda h: _client(coder_key, h).post(url, body, content_type="application/json"))

    assert en.status_code == zh.status_code == 400
    assert en.json()["code"] == zh.json()["code"] == "version_or_quote_required"
    _assert_chinese(zh.json())


def test_a_malformed_body_names_the_field_in_chinese(study, coder_key):
    transcript = factories.make_transcript(study)
    url = f"/api/v1/transcripts/{transcript.pk}/segments"
    body = {"code_id": "one", "start": 0}

    en, zh = _both(lambda h: _client(coder_key, h).post(url, body, content_type="application/json"))

    assert en.status_code == zh.status_code == 400
    assert en.json()["code"] == zh.json()["code"] == "invalid"
    assert "code_id" in zh.json()["detail"] and "end" in zh.json()["detail"]
    detail = zh.json()["detail"].replace("code_id", "").replace("end", "")
    _assert_chinese({**zh.json(), "detail": detail})


def test_a_token_users_saved_language_answers_without_accept_language(study, coder, coder_key):
    UserPreferences.objects.create(user=coder, language="zh-hant")

    response = _client(coder_key, {}).get("/api/v1/studies/999999/codes")

    assert response.json()["code"] == "not_found"
    _assert_chinese(response.json())


def test_the_schema_documents_the_code(db):
    schema = Client().get("/api/v1/openapi.json").json()

    assert "code" in schema["components"]["schemas"]["ErrorOut"]["properties"]


def test_the_coding_pages_json_answer_reads_chinese_with_a_code(coder_client, study):
    """The coding page's own endpoints answer a JSON client too (Accept: application/json)."""
    from tests.coding.test_segment_create import payload, url

    transcript = factories.make_transcript(study, text="前言。我唔知自己嘅角色。後記。")
    code = factories.make_code(study, name="Role")
    data = {**payload(transcript, code), "quote": "nope"}

    en = coder_client.post(url(transcript), data, HTTP_ACCEPT="application/json")
    zh = coder_client.post(
        url(transcript), data, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="zh-HK"
    )

    assert en.status_code == zh.status_code == 400
    assert en.json()["code"] == zh.json()["code"] == "stale"
    assert "does not match" in en.json()["detail"]
    assert CJK.search(zh.json()["detail"]) and not english_words(zh.json()["detail"])
