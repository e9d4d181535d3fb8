from __future__ import annotations

import pytest
from django.test import Client

from studies.models import Role
from tests import factories
from workbench.api import NOT_AUTHENTICATED

URL = "/api/v1/studies"


@pytest.mark.parametrize(
    ("persona", "role"), [("owner", Role.OWNER), ("coder", Role.CODER), ("viewer", Role.VIEWER)]
)
def test_it_lists_the_study_with_the_members_role(persona_clients, study, persona, role):
    response = persona_clients[persona].get(URL)

    assert response.status_code == 200
    assert response.json() == [{"id": study.pk, "name": study.name, "role": role}]


def test_it_lists_only_studies_the_user_belongs_to(owner_client, owner, study):
    other = factories.make_study(name="Another team's study")
    factories.add_member(other, factories.make_user(), Role.OWNER)
    mine_as_viewer = factories.make_study(name="A shared study")
    factories.add_member(mine_as_viewer, owner, Role.VIEWER)

    response = owner_client.get(URL)

    assert response.json() == [
        {"id": mine_as_viewer.pk, "name": "A shared study", "role": "viewer"},
        {"id": study.pk, "name": "Peer support study", "role": "owner"},
    ]


def test_it_gives_an_outsider_an_empty_list(outsider_client, owner):
    response = outsider_client.get(URL)

    assert response.status_code == 200
    assert response.json() == []


def test_it_rejects_an_anonymous_request(study):
    response = Client().get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": NOT_AUTHENTICATED, "code": "not_authenticated"}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", [URL + "/", "/api/v1/study", "/api/v1/studies/1/nothing"])
def test_it_answers_unknown_urls_with_a_json_404(owner_client, path):
    response = owner_client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint.", "code": "not_found"}


def test_it_runs_the_same_queries_whatever_the_number_of_studies(
    owner_client, owner, django_assert_num_queries
):
    for _ in range(5):
        factories.add_member(factories.make_study(), owner, Role.CODER)

    # session, user, studies with the role annotated
    with django_assert_num_queries(3):
        response = owner_client.get(URL)

    assert len(response.json()) == 6
