"""Owners delete a participant with their transcripts after typing the pseudonym."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Segment
from tests import factories


@pytest.fixture
def people(study, owner, coder):
    group = factories.make_group(study, name="Service users")
    t1 = factories.make_wave(study, name="T1")
    t2 = factories.make_wave(study, name="T2")
    su01 = factories.make_participant(
        study, pseudonym="SU01", group=group, attributes={"gender": "F", "site": "Kowloon"}
    )
    su02 = factories.make_participant(study, pseudonym="SU02", group=group)
    a = factories.make_transcript(study, title="SU01 T1", participant=su01, wave=t1)
    b = factories.make_transcript(study, title="SU01 T2", participant=su01, wave=t2, text="A: 𠝹x")
    kept = factories.make_transcript(study, title="SU02 T1", participant=su02, wave=t1)
    code = factories.make_code(study, name="Hope")
    layer = factories.make_layer(study, coder)
    factories.make_segment(a, code, layer, 0, 4)
    factories.make_segment(b, code, layer, 3, 4)
    factories.make_segment(kept, code, layer, 0, 4)
    return {"su01": su01, "su02": su02, "a": a, "b": b}


def delete_url(study, participant):
    return reverse("studies:participant_delete", args=[study.pk, participant.pk])


def test_the_confirmation_page_lists_the_transcripts_that_go_with_the_participant(
    study, owner_client, people
):
    response = owner_client.get(delete_url(study, people["su01"]))
    assert response.status_code == 200
    assert "SU01 T1" in response.text and "SU01 T2" in response.text
    assert "SU02 T1" not in response.text
    assert "2 transcripts" in response.text
    assert "2 segments in 1 layer" in response.text
    assert 'Type “<span translate="no">SU01</span>” to confirm' in response.text


def test_a_wrong_pseudonym_deletes_nothing(study, owner_client, people):
    response = owner_client.post(delete_url(study, people["su01"]), {"confirm": "SU02"})
    assert response.status_code == 200
    assert "Type the pseudonym exactly" in response.text
    assert study.participants.count() == 2
    assert study.transcripts.count() == 3


def test_the_owner_deletes_a_participant_with_their_transcripts(study, owner, owner_client, people):
    b_text = people["b"].text
    response = owner_client.post(delete_url(study, people["su01"]), {"confirm": "SU01"})
    assert response.status_code == 302
    assert list(study.participants.values_list("pseudonym", flat=True)) == ["SU02"]
    assert list(study.transcripts.values_list("title", flat=True)) == ["SU02 T1"]
    assert Segment.objects.count() == 1
    event = AuditEvent.objects.get(action="participant.delete")
    assert event.actor == owner
    before = event.before
    assert before["participant"]["pseudonym"] == "SU01"
    assert before["participant"]["group"] == "Service users"
    assert before["participant"]["attributes"] == {"gender": "F", "site": "Kowloon"}
    by_title = {t["transcript"]["title"]: t for t in before["transcripts"]}
    assert set(by_title) == {"SU01 T1", "SU01 T2"}
    assert by_title["SU01 T2"]["transcript"]["text"] == b_text
    assert by_title["SU01 T2"]["segments"][0]["quote"] == "𠝹"


def test_the_list_and_edit_pages_link_to_delete(study, owner_client, people):
    link = delete_url(study, people["su01"])
    assert link in owner_client.get(reverse("studies:participant_list", args=[study.pk])).text
    edit = reverse("studies:participant_edit", args=[study.pk, people["su01"].pk])
    assert link in owner_client.get(edit).text


@pytest.mark.parametrize("page", ["participant_edit", "participant_delete"])
def test_page_titles_hold_no_markup(study, owner_client, people, page):
    response = owner_client.get(reverse(f"studies:{page}", args=[study.pk, people["su01"].pk]))
    title = response.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    assert "SU01" in title
