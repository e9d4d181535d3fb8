"""Marking segments as exemplars of a code or a theme: who may, what is stored and audited,
the list, unmarking, and blind coding."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from coding.models import AuditEvent, Exemplar
from coding.themes import services as theme_services
from tests import factories

TEXT = "Interviewer: How was it?\nPSW03: 我覺得好孤單 at first 𠝹, then the team took me in.\n"


@pytest.fixture
def data(study, owner, coder, coder2):
    group = factories.make_group(study, name="Peer support workers")
    wave = factories.make_wave(study, name="T2 Work placement")
    person = factories.make_participant(study, pseudonym="PSW03", group=group)
    transcript = factories.make_transcript(study, participant=person, wave=wave, text=TEXT)
    code = factories.make_code(study, name="Belonging")
    start = TEXT.index("我")
    end = TEXT.index(", then")
    mine = factories.make_segment(transcript, code, factories.make_layer(study, coder), start, end)
    other = factories.make_segment(
        transcript, code, factories.make_layer(study, coder2), start, end + 5
    )
    theme = theme_services.theme_create(study=study, actor=owner, name="Joining", codes=[code])
    return {"code": code, "theme": theme, "mine": mine, "other": other, "t": transcript}


@pytest.fixture
def coder2_client(coder2):
    client = Client()
    client.force_login(coder2)
    return client


def _create(client, study, segment, **values):
    url = reverse("coding:exemplar_create", args=[study.pk]) + f"?segment={segment.pk}"
    return client.post(url, values)


def test_a_coder_marks_a_segment_as_exemplar_of_a_code_with_a_note(
    study, data, coder_client, coder
):
    response = _create(
        coder_client, study, data["mine"], target=f"code:{data['code'].pk}", note="Lonely start"
    )
    assert response.status_code == 302
    ex = Exemplar.objects.get()
    assert (ex.segment, ex.code, ex.theme, ex.note, ex.created_by) == (
        data["mine"],
        data["code"],
        None,
        "Lonely start",
        coder,
    )
    event = AuditEvent.objects.get(action="exemplar.create")
    assert event.object_id == ex.pk and event.actor == coder


def test_an_owner_marks_a_segment_for_a_theme(study, data, owner_client):
    response = _create(owner_client, study, data["other"], target=f"theme:{data['theme'].pk}")
    assert response.status_code == 302
    ex = Exemplar.objects.get()
    assert ex.theme == data["theme"] and ex.code is None


def test_the_form_asks_for_a_code_or_a_theme(study, data, coder_client):
    response = _create(coder_client, study, data["mine"], target="", note="x")
    assert response.status_code == 200
    assert "Choose a code or a theme" in response.content.decode()
    assert not Exemplar.objects.exists()


def test_the_same_exemplar_twice_is_refused(study, data, coder_client):
    _create(coder_client, study, data["mine"], target=f"code:{data['code'].pk}")
    response = _create(coder_client, study, data["mine"], target=f"code:{data['code'].pk}")
    assert response.status_code == 200
    assert "already an exemplar" in response.content.decode()
    assert Exemplar.objects.count() == 1


def test_a_viewer_may_not_mark_and_an_outsider_finds_nothing(
    study, data, viewer_client, outsider_client
):
    assert (
        _create(viewer_client, study, data["mine"], target=f"code:{data['code'].pk}").status_code
        == 403
    )
    assert (
        _create(outsider_client, study, data["mine"], target=f"code:{data['code'].pk}").status_code
        == 404
    )
    assert not Exemplar.objects.exists()


def test_a_blind_coder_cannot_mark_or_see_another_coders_exemplars(
    study, data, coder_client, owner
):
    study.blind_coding = True
    study.save()
    response = _create(coder_client, study, data["other"], target=f"code:{data['code'].pk}")
    assert response.status_code == 404
    Exemplar.objects.create(
        segment=data["other"], code=data["code"], note="CANARY-NOTE", created_by=owner
    )
    Exemplar.objects.create(
        segment=data["mine"], code=data["code"], note="my own", created_by=owner
    )
    page = coder_client.get(reverse("coding:exemplar_list", args=[study.pk])).content.decode()
    assert "my own" in page and "CANARY-NOTE" not in page


def test_the_list_shows_the_quote_with_its_tag_and_viewers_read_it(
    study, data, viewer_client, coder
):
    Exemplar.objects.create(segment=data["mine"], code=data["code"], note="n1", created_by=coder)
    page = viewer_client.get(reverse("coding:exemplar_list", args=[study.pk])).content.decode()
    assert data["mine"].quote in page  # the Chinese and astral characters as stored
    assert "(PSW03, peer support worker, T2)" in page
    assert "Unmark" not in page  # viewers only read


def test_the_creator_or_an_owner_unmarks_and_it_is_audited(
    study, data, coder_client, coder2_client, owner_client, coder
):
    ex = Exemplar.objects.create(segment=data["mine"], code=data["code"], created_by=coder)
    url = reverse("coding:exemplar_delete", args=[study.pk, ex.pk])
    assert coder2_client.post(url).status_code == 403
    assert coder_client.post(url).status_code == 302
    assert not Exemplar.objects.exists()
    event = AuditEvent.objects.get(action="exemplar.delete")
    assert event.before["segment_id"] == data["mine"].pk
    ex = Exemplar.objects.create(segment=data["mine"], code=data["code"], created_by=coder)
    url = reverse("coding:exemplar_delete", args=[study.pk, ex.pk])
    assert owner_client.post(url).status_code == 302
    assert not Exemplar.objects.exists()


def test_the_form_page_shows_the_passage_and_its_choices(study, data, coder_client):
    url = reverse("coding:exemplar_create", args=[study.pk]) + f"?segment={data['mine'].pk}"
    page = coder_client.get(url).content.decode()
    assert data["mine"].quote in page
    assert "Joining" in page and "Belonging" in page


def test_retrieval_rows_link_to_the_exemplar_form_for_coders_only(
    study, data, coder_client, viewer_client
):
    url = reverse("coding:retrieval", args=[study.pk]) + f"?code={data['code'].pk}"
    form = reverse("coding:exemplar_create", args=[study.pk])
    page = coder_client.get(url).content.decode()
    assert f'href="{form}?segment={data["mine"].pk}&amp;next=' in page
    assert form not in viewer_client.get(url).content.decode()


def test_the_coding_page_carries_the_exemplar_url_for_coders(study, data, coder_client):
    page = coder_client.get(
        reverse("coding:transcript_code", args=[study.pk, data["t"].pk])
    ).content.decode()
    assert reverse("coding:exemplar_create", args=[study.pk]) in page


def test_marking_from_retrieval_comes_back_to_it(study, data, coder_client):
    back = reverse("coding:retrieval", args=[study.pk]) + f"?code={data['code'].pk}"
    url = reverse("coding:exemplar_create", args=[study.pk]) + f"?segment={data['mine'].pk}"
    response = coder_client.post(url, {"target": f"code:{data['code'].pk}", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    response = coder_client.post(
        url, {"target": f"theme:{data['theme'].pk}", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("coding:exemplar_list", args=[study.pk])


def test_a_code_merge_keeps_the_exemplars_of_the_merged_code(study, data, owner, coder):
    from coding.codebook import services as codebook_services

    other = factories.make_code(study, name="Joining in")
    ex = Exemplar.objects.create(segment=data["mine"], code=other, note="kept", created_by=coder)
    codebook_services.code_merge(source=other, target=data["code"], actor=owner)
    ex.refresh_from_db()
    assert ex.code == data["code"] and ex.note == "kept"
