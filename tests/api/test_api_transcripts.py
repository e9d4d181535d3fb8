from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coding.models import Layer, LayerKind
from tests import factories
from workbench.api import NOT_AUTHENTICATED


def list_url(study_id) -> str:
    return f"/api/v1/studies/{study_id}/transcripts"


def detail_url(transcript_id) -> str:
    return f"/api/v1/transcripts/{transcript_id}"


@pytest.fixture
def transcripts(study):
    peer = factories.make_group(study, name="Peer support workers")
    t1 = factories.make_wave(study, name="T1 training")
    p01 = factories.make_participant(study, pseudonym="P01", group=peer)
    p02 = factories.make_participant(study, pseudonym="P02")
    interview = factories.make_transcript(study, title="A: P01 at T1", participant=p01, wave=t1)
    no_group = factories.make_transcript(study, title="B: P02, no wave", participant=p02)
    focus_group = factories.make_transcript(study, title="C: focus group", text="Short text.")
    return interview, no_group, focus_group


@pytest.fixture
def layers(study, owner, coder, coder2):
    """A layer for each coder, the consensus layer and an imported layer, with a segment each."""
    return {
        "alice": factories.make_layer(study, owner),
        "bob": factories.make_layer(study, coder),
        "erin": factories.make_layer(study, coder2),
        "consensus": factories.make_layer(study),
        "imported": Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo coder"),
    }


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_it_lists_transcripts_with_participant_group_and_wave(
    persona_clients, study, transcripts, persona
):
    interview, no_group, focus_group = transcripts

    response = persona_clients[persona].get(list_url(study.pk))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": interview.pk,
            "title": "A: P01 at T1",
            "participant": "P01",
            "group": "Peer support workers",
            "wave": "T1 training",
            "length": interview.length,
        },
        {
            "id": no_group.pk,
            "title": "B: P02, no wave",
            "participant": "P02",
            "group": None,
            "wave": None,
            "length": no_group.length,
        },
        {
            "id": focus_group.pk,
            "title": "C: focus group",
            "participant": None,
            "group": None,
            "wave": None,
            "length": 11,
        },
    ]


def test_it_lists_transcripts_without_loading_their_text(owner_client, study, transcripts):
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(list_url(study.pk))

    transcript_queries = [q["sql"] for q in queries if "studies_transcript" in q["sql"]]
    assert len(transcript_queries) == 1
    assert '"studies_transcript"."text"' not in transcript_queries[0]


def test_it_lists_transcripts_in_constant_queries(
    owner_client, study, transcripts, django_assert_num_queries
):
    for _ in range(10):
        factories.make_transcript(study, participant=factories.make_participant(study))

    # session, user, membership with study, transcripts with participant, group and wave
    with django_assert_num_queries(4):
        response = owner_client.get(list_url(study.pk))

    assert len(response.json()) == 13


def test_it_hides_the_transcript_list_from_an_outsider(outsider_client, study, transcripts):
    response = outsider_client.get(list_url(study.pk))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such study.", "code": "not_found"}


def test_it_rejects_an_anonymous_transcript_list(study, transcripts):
    assert Client().get(list_url(study.pk)).status_code == 401


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_it_shows_a_transcript_with_its_text_and_segments(
    persona_clients, study, transcripts, layers, persona
):
    interview = transcripts[0]
    code = factories.make_code(study, name="Role")
    text = interview.text
    start = text.index("我唔知")
    mine = factories.make_segment(
        interview, code, layers["bob"], start, start + 3, memo="Cantonese"
    )
    agreed = factories.make_segment(interview, code, layers["consensus"], 0, 11)
    imported = factories.make_segment(interview, code, layers["imported"], 13, 20)

    response = persona_clients[persona].get(detail_url(interview.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == interview.pk
    assert body["title"] == "A: P01 at T1"
    assert (body["participant"], body["group"], body["wave"]) == (
        "P01",
        "Peer support workers",
        "T1 training",
    )
    assert body["text"] == text
    assert body["length"] == len(text)
    assert body["segments"] == [
        {
            "id": agreed.pk,
            "code_id": code.pk,
            "layer": "consensus",
            "coder": None,
            "start": 0,
            "end": 11,
            "quote": text[0:11],
            "memo": "",
        },
        {
            "id": imported.pk,
            "code_id": code.pk,
            "layer": f"layer-{layers['imported'].pk}",
            "coder": None,
            "start": 13,
            "end": 20,
            "quote": text[13:20],
            "memo": "",
        },
        {
            "id": mine.pk,
            "code_id": code.pk,
            "layer": "bob",
            "coder": "bob",
            "start": start,
            "end": start + 3,
            "quote": "我唔知",
            "memo": "Cantonese",
        },
    ]


def test_it_counts_offsets_in_code_points_beyond_the_bmp(owner_client, study, owner):
    text = "我唔知𠝹 role"
    transcript = factories.make_transcript(study, title="Non-BMP", text=text)
    start, end = text.index("𠝹"), len(text)
    factories.make_segment(
        transcript, factories.make_code(study), factories.make_layer(study, owner), start, end
    )

    body = owner_client.get(detail_url(transcript.pk)).json()

    # A UTF-16 count (JavaScript's .length) would say start 3, end 10, length 10.
    assert body["length"] == 9 == len(body["text"])
    [segment] = body["segments"]
    assert (segment["start"], segment["end"]) == (3, 9)
    assert segment["quote"] == body["text"][segment["start"] : segment["end"]] == "𠝹 role"


def test_it_shows_a_blind_coder_only_their_own_layer(
    coder_client, owner_client, viewer_client, study, transcripts, layers
):
    study.blind_coding = True
    study.save()
    interview = transcripts[0]
    code = factories.make_code(study)
    for n, layer in enumerate(layers.values()):
        factories.make_segment(interview, code, layer, n, n + 5)

    def keys(client):
        return sorted(s["layer"] for s in client.get(detail_url(interview.pk)).json()["segments"])

    assert keys(coder_client) == ["bob"]
    everything = sorted(["alice", "bob", "erin", "consensus", f"layer-{layers['imported'].pk}"])
    assert keys(owner_client) == everything
    assert keys(viewer_client) == everything


def test_it_shows_a_coder_every_layer_when_coding_is_not_blind(
    coder_client, study, transcripts, layers
):
    interview = transcripts[0]
    code = factories.make_code(study)
    for n, layer in enumerate(layers.values()):
        factories.make_segment(interview, code, layer, n, n + 5)

    segments = coder_client.get(detail_url(interview.pk)).json()["segments"]

    assert len(segments) == 5


def test_it_hides_a_transcript_from_an_outsider_as_if_it_did_not_exist(
    outsider_client, study, transcripts
):
    response = outsider_client.get(detail_url(transcripts[0].pk))
    unknown = outsider_client.get(detail_url(transcripts[-1].pk + 1000))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such transcript.", "code": "not_found"}
    assert unknown.json() == response.json()


def test_it_hides_a_transcript_of_another_study_from_a_member(owner_client, owner):
    other = factories.make_study()
    transcript = factories.make_transcript(other)

    response = owner_client.get(detail_url(transcript.pk))

    assert response.status_code == 404


def test_it_rejects_an_anonymous_transcript_request(study, transcripts):
    response = Client().get(detail_url(transcripts[0].pk))

    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED, "code": "not_authenticated"}


@pytest.mark.parametrize("count", [5, 100])
def test_it_shows_a_transcript_in_constant_queries(
    owner_client, study, transcripts, layers, django_assert_max_num_queries, count
):
    interview = transcripts[0]
    codes = [factories.make_code(study) for _ in range(4)]
    all_layers = list(layers.values())
    for n in range(count):
        layer, code = all_layers[n % len(all_layers)], codes[n % len(codes)]
        factories.make_segment(interview, code, layer, n % 50, n % 50 + 3)

    # session, user, transcript with participant/group/wave, membership with study,
    # visible layers, segments with code and layer user
    with django_assert_max_num_queries(6):
        response = owner_client.get(detail_url(interview.pk))

    assert len(response.json()["segments"]) == count
