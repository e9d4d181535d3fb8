from __future__ import annotations

import pytest
from django.test import Client

from coding.models import AuditEvent, Layer, LayerKind, Segment
from tests import factories
from workbench.api import NOT_AUTHENTICATED

TEXT = "Interviewer: 你點樣理解?\nP01: 我唔知𠝹 role, honestly."


def create_url(transcript_id) -> str:
    return f"/api/v1/transcripts/{transcript_id}/segments"


def delete_url(segment_id) -> str:
    return f"/api/v1/segments/{segment_id}"


def post(client, url, payload):
    return client.post(url, payload, content_type="application/json")


@pytest.fixture
def transcript(study):
    return factories.make_transcript(study, title="P01 T1", text=TEXT)


@pytest.fixture
def code(study):
    return factories.make_code(study, name="Role")


def span(text: str) -> dict:
    start = TEXT.index(text)
    return {"start": start, "end": start + len(text), "quote": text}


# --- POST /transcripts/{id}/segments ---------------------------------------------------


def test_it_creates_a_segment_in_the_coders_own_layer(coder_client, coder, transcript, code):
    payload = {"code_id": code.pk, **span("我唔知𠝹 role"), "memo": "  unsure of role  "}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 201
    segment = Segment.objects.get()
    assert response.json() == {
        "id": segment.pk,
        "code_id": code.pk,
        "layer": "bob",
        "coder": "bob",
        "start": payload["start"],
        "end": payload["end"],
        "quote": "我唔知𠝹 role",
        "memo": "unsure of role",
    }
    assert segment.layer.user == coder
    assert segment.created_by == coder
    assert AuditEvent.objects.filter(action="segment.create", object_id=segment.pk).exists()


def test_it_counts_offsets_in_code_points(coder_client, transcript, code):
    start = TEXT.index("𠝹")
    payload = {"code_id": code.pk, "start": start, "end": start + 6, "version": 1}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 201
    assert response.json()["quote"] == TEXT[start : start + 6] == "𠝹 role"


def test_it_rejects_offsets_counted_in_utf16_units(coder_client, transcript, code):
    # JavaScript's .length counts 𠝹 as two units, so "role" starts one unit later there.
    start = TEXT.index("role") + 1
    payload = {"code_id": code.pk, "start": start, "end": start + 4, "quote": "role"}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 409  # a conflict with the stored text, as after an edit
    assert "does not match" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_it_returns_the_existing_segment_on_a_repeated_post(coder_client, transcript, code):
    payload = {"code_id": code.pk, **span("role")}

    first = post(coder_client, create_url(transcript.pk), payload)
    second = post(coder_client, create_url(transcript.pk), payload)

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert Segment.objects.count() == 1


def test_it_lets_an_owner_code_in_the_consensus_layer(owner_client, transcript, code):
    payload = {"code_id": code.pk, **span("honestly"), "layer": "consensus"}

    response = post(owner_client, create_url(transcript.pk), payload)

    assert response.status_code == 201
    assert response.json()["layer"] == "consensus"
    assert response.json()["coder"] is None
    assert Segment.objects.get().layer.kind == LayerKind.CONSENSUS


def test_it_lets_an_owner_code_in_their_own_layer_by_default(owner_client, transcript, code):
    response = post(owner_client, create_url(transcript.pk), {"code_id": code.pk, **span("role")})

    assert response.status_code == 201
    assert response.json()["layer"] == "alice"


def test_it_accepts_the_coders_own_username_as_layer(coder_client, transcript, code):
    payload = {"code_id": code.pk, **span("role"), "layer": "bob"}

    assert post(coder_client, create_url(transcript.pk), payload).status_code == 201


@pytest.mark.parametrize("layer", ["consensus", "erin", "layer-1"])
def test_it_forbids_a_coder_to_write_in_another_layer(
    coder_client, coder2, transcript, code, layer
):
    payload = {"code_id": code.pk, **span("role"), "layer": layer}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 403
    assert "own layer" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_it_forbids_a_viewer_to_code(viewer_client, transcript, code):
    response = post(viewer_client, create_url(transcript.pk), {"code_id": code.pk, **span("role")})

    assert response.status_code == 403
    assert response.json() == {"detail": "Viewers cannot change coding.", "code": "forbidden"}
    assert not Segment.objects.exists()


def test_it_hides_the_transcript_from_an_outsider(outsider_client, transcript, code):
    response = post(
        outsider_client, create_url(transcript.pk), {"code_id": code.pk, **span("role")}
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such transcript.", "code": "not_found"}


def test_it_answers_404_for_an_unknown_transcript(coder_client, transcript, code):
    response = post(
        coder_client, create_url(transcript.pk + 1000), {"code_id": code.pk, **span("role")}
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "No such transcript.", "code": "not_found"}


def test_it_rejects_an_anonymous_post(transcript, code):
    response = post(Client(), create_url(transcript.pk), {"code_id": code.pk, **span("role")})

    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED, "code": "not_authenticated"}


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 5, "at least one character"),
        (9, 4, "at least one character"),
        (-1, 4, "outside the transcript"),
        (0, len(TEXT) + 1, "outside the transcript"),
        (0, 10**12, "outside the transcript"),
    ],
)
def test_it_rejects_bad_offsets(coder_client, transcript, code, start, end, message):
    payload = {"code_id": code.pk, "start": start, "end": end, "version": 1}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Segment.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"start": "3", "end": 9},
        {"start": 3.0, "end": 9},
        {"start": True, "end": 9},
        {"start": 3},
        {"start": None, "end": 9},
    ],
)
def test_it_rejects_offsets_that_are_not_whole_numbers(coder_client, transcript, code, payload):
    response = post(coder_client, create_url(transcript.pk), {"code_id": code.pk, **payload})

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert isinstance(detail, str)
    assert "start" in detail or "end" in detail


def test_it_rejects_a_body_that_is_not_json(coder_client, transcript):
    response = coder_client.post(create_url(transcript.pk), "code=1", content_type="text/plain")

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)


def test_it_rejects_a_quote_that_does_not_match(coder_client, transcript, code):
    payload = {"code_id": code.pk, **span("role"), "quote": "rule"}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 409
    assert "out of date" in response.json()["detail"]


def test_it_rejects_white_space_only(coder_client, transcript, code):
    start = TEXT.index(" role")
    payload = {"code_id": code.pk, "start": start, "end": start + 1, "version": 1}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 400
    assert "white space" in response.json()["detail"]


def test_it_rejects_a_code_of_another_study(coder_client, transcript):
    foreign = factories.make_code(factories.make_study(), name="Elsewhere")

    response = post(
        coder_client, create_url(transcript.pk), {"code_id": foreign.pk, **span("role")}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "There is no code with this id in the study.",
        "code": "unknown_code",
    }
    assert not Segment.objects.exists()


def test_it_rejects_an_unknown_code_with_the_same_message(coder_client, transcript, code):
    response = post(
        coder_client, create_url(transcript.pk), {"code_id": code.pk + 1000, **span("role")}
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "There is no code with this id in the study.",
        "code": "unknown_code",
    }


def test_it_rejects_an_archived_code(coder_client, study, transcript):
    archived = factories.make_code(study, name="Retired", archived=True)

    response = post(
        coder_client, create_url(transcript.pk), {"code_id": archived.pk, **span("role")}
    )

    assert response.status_code == 400
    assert "archived" in response.json()["detail"]


# --- DELETE /segments/{id} --------------------------------------------------------------


@pytest.fixture
def segments(study, transcript, code, owner, coder, coder2):
    def make(layer):
        where = span("role")
        return factories.make_segment(transcript, code, layer, where["start"], where["end"])

    return {
        "alice": make(factories.make_layer(study, owner)),
        "bob": make(factories.make_layer(study, coder)),
        "erin": make(factories.make_layer(study, coder2)),
        "consensus": make(factories.make_layer(study)),
    }


def test_it_lets_a_coder_delete_their_own_segment(coder_client, segments):
    segment = segments["bob"]

    response = coder_client.delete(delete_url(segment.pk))

    assert response.status_code == 204
    assert response.content == b""
    assert not Segment.objects.filter(pk=segment.pk).exists()
    event = AuditEvent.objects.get(action="segment.delete")
    assert event.before["quote"] == "role"


def test_it_lets_an_owner_delete_a_consensus_segment(owner_client, segments):
    response = owner_client.delete(delete_url(segments["consensus"].pk))

    assert response.status_code == 204
    assert not Segment.objects.filter(pk=segments["consensus"].pk).exists()


@pytest.mark.parametrize(
    ("persona", "layer"),
    [("coder", "erin"), ("coder", "consensus"), ("owner", "bob"), ("viewer", "bob")],
)
def test_it_forbids_deleting_a_visible_segment_of_another_layer(
    persona_clients, segments, persona, layer
):
    response = persona_clients[persona].delete(delete_url(segments[layer].pk))

    assert response.status_code == 403
    assert isinstance(response.json()["detail"], str)
    assert Segment.objects.filter(pk=segments[layer].pk).exists()


@pytest.mark.parametrize("layer", ["erin", "consensus", "alice"])
def test_it_hides_other_layers_from_a_blind_coder(coder_client, study, segments, layer):
    study.blind_coding = True
    study.save()

    response = coder_client.delete(delete_url(segments[layer].pk))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such segment.", "code": "not_found"}
    assert Segment.objects.filter(pk=segments[layer].pk).exists()


def test_it_hides_segments_from_an_outsider(outsider_client, segments):
    response = outsider_client.delete(delete_url(segments["bob"].pk))
    unknown = outsider_client.delete(delete_url(segments["bob"].pk + 1000))

    assert response.status_code == unknown.status_code == 404
    assert response.json() == unknown.json() == {"detail": "No such segment.", "code": "not_found"}
    assert Segment.objects.filter(pk=segments["bob"].pk).exists()


def test_it_rejects_an_anonymous_delete(segments):
    response = Client().delete(delete_url(segments["bob"].pk))

    assert response.status_code == 401
    assert Segment.objects.count() == 4


def test_it_does_not_let_anyone_delete_an_imported_segment(owner_client, study, transcript, code):
    imported = Layer.objects.create(study=study, kind=LayerKind.IMPORTED, name="NVivo")
    segment = factories.make_segment(transcript, code, imported, 0, 5)

    response = owner_client.delete(delete_url(segment.pk))

    assert response.status_code == 403


# --- CSRF for browser sessions -----------------------------------------------------------


def test_it_requires_the_csrf_token_for_a_session_post(coder, transcript, code):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coder)
    assert client.get("/api/v1/studies").status_code == 200  # safe methods need no token

    refused = post(client, create_url(transcript.pk), {"code_id": code.pk, **span("role")})
    client.get("/accounts/profile/")  # sets the CSRF cookie
    accepted = client.post(
        create_url(transcript.pk),
        {"code_id": code.pk, **span("role")},
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201


def test_it_requires_the_csrf_token_for_a_session_delete(coder, segments):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coder)

    response = client.delete(delete_url(segments["bob"].pk))

    assert response.status_code == 403
    assert Segment.objects.filter(pk=segments["bob"].pk).exists()


# --- Queries ------------------------------------------------------------------------------


def test_it_creates_a_segment_in_a_bounded_number_of_queries(
    coder_client, coder, study, transcript, code, django_assert_max_num_queries
):
    factories.make_layer(study, coder)

    # session, user, membership and study, transcript, layer, code, BEGIN, transcript lock,
    # code lock (a merge may have deleted it), segment insert (a double submit breaks the
    # unique span), audit insert, COMMIT; full_clean checks no constraint in the database
    # (the offsets were checked against the text already)
    with django_assert_max_num_queries(12):
        response = post(
            coder_client, create_url(transcript.pk), {"code_id": code.pk, **span("role")}
        )

    assert response.status_code == 201


# --- stale writes (issue 9 §7): the API carries what the page carries -------------------


def test_it_requires_the_transcript_version_or_the_quote(coder_client, transcript, code):
    start = TEXT.index("role")
    payload = {"code_id": code.pk, "start": start, "end": start + 4}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "version" in detail and "quote" in detail
    assert not Segment.objects.exists()


def _edit_text(transcript, owner):
    from studies import services as study_services

    study_services.transcript_text_update(
        transcript=transcript, text="P00: 開場。\n" + TEXT, expected_version=1, actor=owner
    )


def test_it_refuses_offsets_read_before_an_edit_with_a_conflict(
    coder_client, owner, transcript, code
):
    before = coder_client.get(f"/api/v1/transcripts/{transcript.pk}").json()
    _edit_text(transcript, owner)
    start = before["text"].index("role")
    payload = {"code_id": code.pk, "start": start, "end": start + 4, "version": before["version"]}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The transcript was edited since you read it (version 1, now 2): these offsets may "
        "point at other words. Fetch the transcript again; nothing was saved."
    )
    assert not Segment.objects.exists()


def test_it_refuses_a_quote_no_longer_at_its_offsets_with_a_conflict(
    coder_client, owner, transcript, code
):
    _edit_text(transcript, owner)

    response = post(coder_client, create_url(transcript.pk), {"code_id": code.pk, **span("role")})

    assert response.status_code == 409
    assert "out of date" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_it_codes_with_the_current_version(coder_client, owner, transcript, code):
    _edit_text(transcript, owner)
    current = coder_client.get(f"/api/v1/transcripts/{transcript.pk}").json()
    start = current["text"].index("role")
    payload = {"code_id": code.pk, "start": start, "end": start + 4, "version": current["version"]}

    response = post(coder_client, create_url(transcript.pk), payload)

    assert (response.status_code, current["version"]) == (201, 2)
    assert response.json()["quote"] == "role"


def test_the_schema_documents_the_version_and_the_conflict(db):
    schema = Client().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/transcripts/{transcript_id}/segments"]["post"]
    assert "409" in create["responses"]
    body = schema["components"]["schemas"]["SegmentIn"]["properties"]
    assert "version" in body and "version" in body["quote"]["description"]
    assert "version" in schema["components"]["schemas"]["TranscriptDetailOut"]["properties"]
