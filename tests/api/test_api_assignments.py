"""GET/POST /api/v1/studies/{id}/assignments and POST .../assignments/sample."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from coding.assignments import sampler
from coding.models import Assignment, AuditEvent, SamplerDraw
from tests import factories
from tests.coding.test_assignments_page import design


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def urls(study):
    return (
        reverse("api:study_assignments", args=[study.pk]),
        reverse("api:study_assignments_sample", args=[study.pk]),
    )


def test_owner_assigns_unassigns_and_lists(study, owner, coder, coder2, owner_client):
    _, _, cells = design(study, per_cell=1)
    t1, t2 = [ts[0] for ts in list(cells.values())[:2]]
    listing, _ = urls(study)
    body = {
        "assign": [
            {"transcript_id": t1.pk, "coder": "bob"},
            {"transcript_id": t2.pk, "coder": "erin"},
        ]
    }
    response = post(owner_client, listing, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"assigned": 2, "unassigned": 0, "kept": []}
    got = owner_client.get(listing).json()
    assert sorted((a["transcript_id"], a["coder"]) for a in got["assignments"]) == sorted(
        [(t1.pk, "bob"), (t2.pk, "erin")]
    )
    layer = factories.make_layer(study, coder)
    factories.make_segment(t1, factories.make_code(study), layer, 0, 3)
    body = {
        "unassign": [
            {"transcript_id": t1.pk, "coder": "bob"},
            {"transcript_id": t2.pk, "coder": "erin"},
        ]
    }
    answer = post(owner_client, listing, body).json()
    assert answer == {
        "assigned": 0,
        "unassigned": 1,
        "kept": [{"transcript_id": t1.pk, "coder": "bob", "segments": 1}],
    }
    assert set(Assignment.objects.values_list("transcript_id", "layer__user__username")) == {
        (t1.pk, "bob")
    }


def test_a_viewer_cannot_be_assigned(study, owner, viewer, owner_client):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    response = post(
        owner_client, urls(study)[0], {"assign": [{"transcript_id": t.pk, "coder": "carol"}]}
    )
    assert response.status_code == 400
    assert "carol" in response.json()["detail"]


def test_a_blind_coder_lists_only_their_own(study, owner, coder, coder2, coder_client):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    for user in (coder, coder2):
        Assignment.objects.create(layer=factories.make_layer(study, user), transcript=t)
    study.blind_coding = True
    study.save()
    got = coder_client.get(urls(study)[0])
    assert got.json()["coders"] == ["bob"]
    assert [a["coder"] for a in got.json()["assignments"]] == ["bob"]
    assert "erin" not in got.text


def test_the_sample_previews_then_applies_the_same_draw(study, owner, coder, coder2, owner_client):
    _, _, cells = design(study, per_cell=6)
    _, sample = urls(study)
    body = {"coders": ["bob", "erin"], "percent": 20, "seed": 3}
    preview = post(owner_client, sample, body)
    assert preview.status_code == 200 and preview.json()["draw_id"] is None
    assert not Assignment.objects.exists()
    plain = {key: [t.pk for t in ts] for key, ts in cells.items()}
    assert preview.json()["transcript_ids"] == sampler.draw(plain, percent=20, seed=3).chosen
    applied = post(owner_client, sample, {**body, "apply": True})
    assert applied.status_code == 201
    draw = SamplerDraw.objects.get(pk=applied.json()["draw_id"])
    assert draw.transcript_ids == preview.json()["transcript_ids"]
    assert Assignment.objects.count() == 2 * len(draw.transcript_ids)
    assert AuditEvent.objects.filter(action="sampler.draw", object_id=draw.pk).exists()
    assert all(c["drawn"] >= 1 for c in applied.json()["cells"])


@pytest.mark.parametrize(
    "body",
    [
        {"coders": ["bob"], "percent": 20, "seed": 1},
        {"coders": ["bob", "bob"], "percent": 20, "seed": 1},
        {"coders": ["bob", "erin"], "seed": 1},
        {"coders": ["bob", "erin"], "percent": 150, "seed": 1},
    ],
)
def test_the_sample_refuses_bad_requests(study, owner, coder, coder2, owner_client, body):
    design(study, per_cell=1)
    response = post(owner_client, urls(study)[1], {**body, "apply": True})
    assert response.status_code == 400
    assert not SamplerDraw.objects.exists() and not Assignment.objects.exists()


@pytest.mark.parametrize("persona,status", [("coder", 403), ("viewer", 403), ("outsider", 404)])
def test_only_owners_write(study, owner, coder, coder2, viewer, persona, status, persona_clients):
    _, _, cells = design(study, per_cell=1)
    t = next(iter(cells.values()))[0]
    client = persona_clients[persona]
    listing, sample = urls(study)
    assert (
        post(client, listing, {"assign": [{"transcript_id": t.pk, "coder": "bob"}]}).status_code
        == status
    )
    body = {"coders": ["bob", "erin"], "percent": 50, "seed": 1, "apply": True}
    assert post(client, sample, body).status_code == status
    assert not Assignment.objects.exists()
    expected_read = 404 if persona == "outsider" else 200
    assert client.get(listing).status_code == expected_read
