"""GET /api/v1/studies/{id}/retrieval: coded segments with the page's filters, attributes too."""

from __future__ import annotations

import pytest

from coding.models import Segment
from tests.coding.test_retrieval_attributes import world as world  # noqa: F401 - fixture


def get(client, study, **params):
    return client.get(f"/api/v1/studies/{study.pk}/retrieval", params)


def test_it_filters_by_a_participant_attribute(world, owner_client, study):
    shame = world.codes.shame.pk
    response = get(owner_client, study, code=shame, **{"attribute:gender": "female"})
    assert response.status_code == 200
    body = response.json()
    want = {
        pk
        for pk, pa in Segment.objects.filter(code_id=shame).values_list(
            "pk", "transcript__participant__attributes"
        )
        if str((pa or {}).get("gender", "")).lower() == "female"
    }
    assert body["count"] == len(want)
    assert {s["id"] for s in body["segments"]} == want
    assert all(s["participant_attributes"]["gender"].lower() == "female" for s in body["segments"])


def test_it_filters_by_a_transcript_attribute_and_pages(world, owner_client, study):
    first = get(owner_client, study, limit=2, **{"attribute:interviewer": "KL"}).json()
    rest = get(owner_client, study, offset=2, limit=500, **{"attribute:interviewer": "KL"}).json()
    ids = [s["id"] for s in first["segments"] + rest["segments"]]
    want = {
        pk
        for pk, ta in Segment.objects.filter(transcript__study=study).values_list(
            "pk", "transcript__attributes"
        )
        if (ta or {}).get("interviewer") == "KL"
    }
    assert first["count"] == len(want) and len(first["segments"]) == 2
    assert len(ids) == len(set(ids)) and set(ids) == want
    for s in first["segments"]:
        assert s["quote"] == Segment.objects.get(pk=s["id"]).quote


@pytest.mark.parametrize("param", ["attribute:colour", "attribute:age"])
def test_an_unknown_attribute_or_bad_value_is_a_400(world, owner_client, study, param):
    response = get(owner_client, study, **{param: "old"})
    assert response.status_code == 400
    assert "attribute" in response.json()["detail"] or "number" in response.json()["detail"]


def test_a_blind_coder_gets_only_their_own_layer(world, coder_client, study, coder):
    study.blind_coding = True
    study.save(update_fields=["blind_coding"])
    body = get(coder_client, study, limit=500, **{"attribute:gender": "female"}).json()
    assert body["segments"]
    assert {s["layer"] for s in body["segments"]} == {coder.username}


def test_outsiders_get_404(world, outsider_client, study):
    assert get(outsider_client, study).status_code == 404
