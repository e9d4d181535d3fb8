"""A coding batch's label is stored as a message id and its values, and shown in the reader's
language: a batch made by an English coder reads Chinese on a zh-HK owner's audit page and in
a zh-HK undo's toast, and the other way round."""

from __future__ import annotations

import re

import lxml.html
import pytest
from django.urls import reverse

from coding.models import AuditEvent
from tests import factories
from tests.i18n.english import english_strings

HX = {"HTTP_HX_REQUEST": "true"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-HK"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study)


@pytest.fixture
def codes(study):
    return factories.make_code(study, name="Shame"), factories.make_code(study, name="Hope")


def _code_twice(client, transcript, codes, language):
    quote = "lived experience"
    start = transcript.text.index(quote)
    url = reverse("coding:segment_create", args=[transcript.study_id, transcript.pk])
    data = {
        "code_ids": [c.pk for c in codes],
        "start": start,
        "end": start + len(quote),
        "quote": quote,
        "version": 1,
        "layer": "mine",
    }
    assert client.post(url, data, **HX, **language).status_code == 200
    return AuditEvent.objects.get(action="segment.batch")


def _change_code_and_memo(client, study, transcript, segment, code, language):
    url = reverse("coding:segment_update", args=[study.pk, transcript.pk, segment.pk])
    client.post(url, {"code_id": code.pk, "memo": "why"}, **HX, **language)
    return AuditEvent.objects.get(action="segment.batch")


def _undo_toast(client, transcript, language) -> str:
    url = reverse("coding:segment_undo", args=[transcript.study_id, transcript.pk])
    html = client.post(url, **HX, **language).content.decode()
    text = lxml.html.fromstring(f"<div>{html}</div>").text_content()
    found = re.search(r"(Undone: [^\n]*|已復原：[^\n]*)", text)
    assert found, html
    return found.group(1).strip()


def _audit_row(client, study, event, language) -> str:
    page = client.get(reverse("coding:audit", args=[study.pk]), **language).content.decode()
    row = lxml.html.fromstring(page).get_element_by_id(f"event-{event.pk}")
    return lxml.html.tostring(row, encoding="unicode")


def test_an_english_coders_batch_reads_chinese_on_a_zh_hk_owners_audit_page(
    coder_client, owner_client, study, transcript, codes
):
    batch = _code_twice(coder_client, transcript, codes, EN)

    zh = _audit_row(owner_client, study, batch, ZH)
    en = _audit_row(owner_client, study, batch, EN)

    assert "已編碼" in zh
    assert english_strings(zh, user_content=["Shame", "Hope"]) == []
    assert "Coded ‘Shame’, ‘Hope’" in lxml.html.fromstring(en).text_content()
    assert '<span translate="no">' in zh  # the codes' names are marked as the study's words


def test_a_zh_hk_coders_code_change_undone_in_english_reads_english(
    coder_client, coder, study, transcript, codes
):
    shame, hope = codes
    segment = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    _change_code_and_memo(coder_client, study, transcript, segment, hope, ZH)

    toast = _undo_toast(coder_client, transcript, EN)

    assert toast.startswith("Undone: Changed to ‘Hope’")
    assert not CJK.search(toast) and "<span" not in toast


def test_an_english_coders_code_change_undone_in_chinese_reads_chinese(
    coder_client, coder, study, transcript, codes
):
    shame, hope = codes
    segment = factories.make_segment(transcript, shame, factories.make_layer(study, coder), 0, 12)
    _change_code_and_memo(coder_client, study, transcript, segment, hope, EN)

    toast = _undo_toast(coder_client, transcript, ZH)

    assert toast.startswith("已復原：已改為「Hope」")
    assert "<span" not in toast


def test_an_old_batch_stored_as_english_text_still_reads_chinese(
    coder_client, owner_client, study, transcript, codes
):
    batch = _code_twice(coder_client, transcript, codes, EN)
    batch.after = {k: v for k, v in batch.after.items() if k != "label_msg"}
    batch.save()

    assert "已復原：已編碼" in _undo_toast(coder_client, transcript, ZH)
