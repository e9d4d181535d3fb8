from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coding.models import Segment
from studies.models import ApiToken, Role
from tests import factories
from workbench import tokens


def bearer(key: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def coder_key(coder):
    _, key = tokens.token_create(user=coder, name="R scripts", scope="write")
    return key


def test_it_accepts_a_valid_token(study, coder, coder_key):
    response = bearer(coder_key).get("/api/v1/studies")

    assert response.status_code == 200
    assert response.json() == [{"id": study.pk, "name": study.name, "role": "coder"}]


def test_it_accepts_the_scheme_in_any_case(study, coder_key):
    client = Client(headers={"Authorization": f"bearer {coder_key}"})

    assert client.get("/api/v1/studies").status_code == 200


def test_it_shows_a_token_only_its_users_studies(study, coder, coder_key, owner):
    private = factories.make_study(name="Alice's private study")
    factories.add_member(private, owner, Role.OWNER)
    transcript = factories.make_transcript(private)
    client = bearer(coder_key)

    listed = client.get("/api/v1/studies").json()
    codes = client.get(f"/api/v1/studies/{private.pk}/codes")
    detail = client.get(f"/api/v1/transcripts/{transcript.pk}")

    assert [s["id"] for s in listed] == [study.pk]
    assert codes.status_code == 404
    assert detail.status_code == 404


def test_it_applies_blind_coding_to_a_token(study, coder, coder2, coder_key):
    study.blind_coding = True
    study.save()
    transcript = factories.make_transcript(study)
    code = factories.make_code(study)
    factories.make_segment(transcript, code, factories.make_layer(study, coder), 0, 5)
    factories.make_segment(transcript, code, factories.make_layer(study, coder2), 0, 5)
    factories.make_segment(transcript, code, factories.make_layer(study), 0, 5)

    segments = bearer(coder_key).get(f"/api/v1/transcripts/{transcript.pk}").json()["segments"]

    assert [s["layer"] for s in segments] == ["bob"]


def test_it_rejects_a_revoked_token(coder, coder_key):
    token = ApiToken.objects.get(user=coder)
    assert tokens.token_revoke(user=coder, token_id=token.pk)

    response = bearer(coder_key).get("/api/v1/studies")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid, expired or revoked API token.",
        "code": "token_invalid",
    }


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer not-a-key", "Bearer wb_", "Bearer 🙂", "bearer wb_" + "x" * 5000],
)
def test_it_rejects_a_malformed_token(coder_key, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/studies")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Invalid, expired or revoked API token.",
        "code": "token_invalid",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_rejects_the_key_of_a_deactivated_user(coder, coder_key):
    coder.is_active = False
    coder.save()

    assert bearer(coder_key).get("/api/v1/studies").status_code == 401


def test_it_does_not_fall_back_to_the_session_when_a_token_is_wrong(coder):
    client = Client(headers={"Authorization": "Bearer wb_wrong"})
    client.force_login(coder)

    assert client.get("/api/v1/studies").status_code == 401


def test_it_ignores_other_authorization_schemes_and_uses_the_session(coder):
    client = Client(headers={"Authorization": "Basic dXNlcjpwdw=="})
    client.force_login(coder)

    assert client.get("/api/v1/studies").status_code == 200
    assert (
        Client(headers={"Authorization": "Basic dXNlcjpwdw=="}).get("/api/v1/studies").status_code
        == 401
    )


def test_it_lets_a_token_write_without_csrf(study, coder, coder_key):
    transcript = factories.make_transcript(study)
    code = factories.make_code(study)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {coder_key}"})

    created = client.post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        {"code_id": code.pk, "start": 0, "end": 11, "version": 1},
        content_type="application/json",
    )
    deleted = client.delete(f"/api/v1/segments/{created.json()['id']}")

    assert created.status_code == 201
    assert created.json()["layer"] == "bob"
    assert deleted.status_code == 204
    assert not Segment.objects.exists()


def test_it_forbids_a_viewers_token_to_write(study, viewer):
    _, key = tokens.token_create(user=viewer, name="Reading only", scope="write")
    transcript = factories.make_transcript(study)
    code = factories.make_code(study)

    response = bearer(key).post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        {"code_id": code.pk, "start": 0, "end": 11},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_it_records_when_a_token_was_last_used(coder, coder_key):
    before = timezone.now()

    bearer(coder_key).get("/api/v1/studies")

    token = ApiToken.objects.get(user=coder)
    assert token.last_used_at is not None
    assert token.last_used_at >= before


def test_it_writes_last_used_at_most_once_a_minute(coder, coder_key, django_assert_num_queries):
    client = bearer(coder_key)
    client.get("/api/v1/studies")
    first = ApiToken.objects.get(user=coder).last_used_at

    # token with user, studies: no write
    with django_assert_num_queries(2):
        client.get("/api/v1/studies")

    assert ApiToken.objects.get(user=coder).last_used_at == first


def test_it_updates_last_used_after_a_minute(coder, coder_key):
    long_ago = timezone.now() - timedelta(minutes=5)
    ApiToken.objects.filter(user=coder).update(last_used_at=long_ago)

    bearer(coder_key).get("/api/v1/studies")

    assert ApiToken.objects.get(user=coder).last_used_at > long_ago


def test_it_lists_every_endpoint_in_the_openapi_schema():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/studies",
        "/api/v1/studies/{study_id}/codes",
        "/api/v1/studies/{study_id}/codebook/versions",
        "/api/v1/studies/{study_id}/codebook/versions/diff",
        "/api/v1/studies/{study_id}/codebook/versions/{version_id}",
        "/api/v1/studies/{study_id}/transcripts",
        "/api/v1/studies/{study_id}/matrix",
        "/api/v1/studies/{study_id}/agreement",
        "/api/v1/studies/{study_id}/agreement/over-time",
        "/api/v1/studies/{study_id}/words",
        "/api/v1/studies/{study_id}/themes",
        "/api/v1/studies/{study_id}/themes/{theme_id}",
        "/api/v1/studies/{study_id}/themes/{theme_id}/prevalence",
        "/api/v1/studies/{study_id}/themes/{theme_id}/split",
        "/api/v1/studies/{study_id}/themes/{theme_id}/merge",
        "/api/v1/studies/{study_id}/journal",
        "/api/v1/studies/{study_id}/search",
        "/api/v1/studies/{study_id}/retrieval",
        "/api/v1/studies/{study_id}/autocode",
        "/api/v1/studies/{study_id}/autocode/{batch_id}",
        "/api/v1/studies/{study_id}/assignments",
        "/api/v1/studies/{study_id}/assignments/sample",
        "/api/v1/transcripts/{transcript_id}",
        "/api/v1/transcripts/{transcript_id}/segments",
        "/api/v1/segments/{segment_id}",
    }
    assert set(paths["/api/v1/transcripts/{transcript_id}/segments"]) == {"post"}
    assert set(paths["/api/v1/segments/{segment_id}"]) == {"delete"}
    assert set(paths["/api/v1/studies/{study_id}/assignments"]) == {"get", "post"}
    # The assignments router (coding/assignments/api.py) takes the API's authentication.
    assert paths["/api/v1/studies/{study_id}/assignments"]["post"]["security"]
    assert schema["components"]["securitySchemes"]["BearerToken"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_it_serves_the_docs_without_a_cdn(db):
    page = Client().get("/api/v1/docs")
    html = page.content.decode()

    assert page.status_code == 200
    assert "cdn" not in html
    assert "/api/v1/openapi.json" in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
