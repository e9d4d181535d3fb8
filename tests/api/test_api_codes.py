from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from workbench.api import NOT_AUTHENTICATED


def url(study_id) -> str:
    return f"/api/v1/studies/{study_id}/codes"


@pytest.fixture
def codes(study):
    role = factories.make_code(study, name="Role", color="#D55E00", position=0)
    uncertainty = factories.make_code(study, name="Uncertainty", parent=role, position=0)
    lived = factories.make_code(study, name="Lived experience", parent=uncertainty)
    old = factories.make_code(study, name="Old idea", parent=role, position=1, archived=True)
    trust = factories.make_code(study, name="Trust 信任", position=1)
    return {"role": role, "uncertainty": uncertainty, "lived": lived, "old": old, "trust": trust}


@pytest.mark.parametrize("persona", ["owner", "coder", "viewer"])
def test_it_lists_the_codebook_depth_first_with_paths(persona_clients, study, codes, persona):
    response = persona_clients[persona].get(url(study.pk))

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": codes["role"].pk,
            "parent_id": None,
            "name": "Role",
            "path": "Role",
            "color": "#D55E00",
            "archived": False,
            "proposed": False,
        },
        {
            "id": codes["uncertainty"].pk,
            "parent_id": codes["role"].pk,
            "name": "Uncertainty",
            "path": "Role › Uncertainty",
            "color": "#0072B2",
            "archived": False,
            "proposed": False,
        },
        {
            "id": codes["lived"].pk,
            "parent_id": codes["uncertainty"].pk,
            "name": "Lived experience",
            "path": "Role › Uncertainty › Lived experience",
            "color": "#0072B2",
            "archived": False,
            "proposed": False,
        },
        {
            "id": codes["old"].pk,
            "parent_id": codes["role"].pk,
            "name": "Old idea",
            "path": "Role › Old idea",
            "color": "#0072B2",
            "archived": True,
            "proposed": False,
        },
        {
            "id": codes["trust"].pk,
            "parent_id": None,
            "name": "Trust 信任",
            "path": "Trust 信任",
            "color": "#0072B2",
            "archived": False,
            "proposed": False,
        },
    ]


def test_it_shows_the_codebook_to_a_blind_coder(coder_client, study, codes):
    study.blind_coding = True
    study.save()

    response = coder_client.get(url(study.pk))

    assert response.status_code == 200
    assert len(response.json()) == 5


def test_proposals_are_marked_and_hidden_from_other_blind_coders(
    coder_client, owner_client, study, coder, coder2, codes
):
    factories.make_code(study, name="Erin's idea", proposed=True, created_by=coder2)
    factories.make_code(study, name="Bob's idea", proposed=True, created_by=coder)

    def names(client):
        return {c["name"]: c["proposed"] for c in client.get(url(study.pk)).json()}

    assert names(coder_client)["Erin's idea"] is True  # blind coding off: marked
    study.blind_coding = True
    study.save()
    mine = names(coder_client)
    assert "Erin's idea" not in mine and mine["Bob's idea"] is True
    assert names(owner_client)["Erin's idea"] is True


def test_it_hides_a_study_from_an_outsider_as_if_it_did_not_exist(outsider_client, study, codes):
    response = outsider_client.get(url(study.pk))
    unknown = outsider_client.get(url(study.pk + 1000))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such study.", "code": "not_found"}
    assert unknown.status_code == 404
    assert unknown.json() == response.json()


def test_it_rejects_an_anonymous_request(study, codes):
    response = Client().get(url(study.pk))

    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED, "code": "not_authenticated"}


@pytest.mark.parametrize("study_id", ["abc", "0", str(2**70)])
def test_it_answers_404_for_an_id_that_cannot_exist(owner_client, study_id):
    response = owner_client.get(url(study_id))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_it_runs_the_same_queries_whatever_the_size_of_the_codebook(
    owner_client, study, codes, django_assert_num_queries
):
    for n in range(20):
        factories.make_code(study, name=f"Extra {n}", parent=codes["trust"])

    # session, user, membership with study, codes
    with django_assert_num_queries(4):
        response = owner_client.get(url(study.pk))

    assert len(response.json()) == 25
