from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from studies.models import ApiToken
from tests import factories
from workbench import tokens

PROFILE = "/accounts/profile/"
CREATE = "/accounts/profile/tokens/"


def revoke_url(token_id) -> str:
    return f"/accounts/profile/tokens/{token_id}/revoke/"


@pytest.fixture
def user(db):
    return factories.make_user(username="alice")


@pytest.fixture
def client(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_requires_login(db):
    response = Client().get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_links_to_the_password_change(client):
    response = client.get(PROFILE)

    assert response.status_code == 200
    assert 'href="/accounts/password/"' in response.content.decode()


def test_it_lists_only_the_users_own_tokens(client, user):
    mine, _ = tokens.token_create(user=user, name="Laptop R")
    theirs, _ = tokens.token_create(user=factories.make_user(), name="Someone else's")

    html = client.get(PROFILE).content.decode()

    assert "Laptop R" in html
    assert mine.prefix in html
    assert "never" in html
    assert "Someone else" not in html
    assert theirs.prefix not in html


def test_it_creates_a_token_and_shows_the_key_once(client, user):
    response = client.post(CREATE, {"name": "pandas notebook"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    key = response.context["new_key"]
    html = response.content.decode()
    assert key.startswith("wb_")
    assert key in html
    assert f'curl -H "Authorization: Bearer {key}" http://testserver/api/v1/studies' in html
    assert token.name == "pandas notebook"
    assert token.key_hash == ApiToken.hash_key(key) != key
    assert key.startswith(token.prefix)
    assert key not in client.get(PROFILE).content.decode()


def test_the_new_key_works_against_the_api(client, user):
    key = client.post(CREATE, {"name": "curl"}).context["new_key"]

    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/studies")

    assert response.status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_it_rejects_a_bad_name(client, name):
    response = client.post(CREATE, {"name": name})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not response.context["new_key"]
    assert not ApiToken.objects.exists()


def test_it_creates_tokens_only_by_post(client):
    assert client.get(CREATE).status_code == 405
    assert not ApiToken.objects.exists()


def test_it_refuses_a_create_without_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(CREATE, {"name": "forged"})

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_it_refuses_an_anonymous_create(db):
    response = Client().post(CREATE, {"name": "anon"})

    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token(client, user):
    token, key = tokens.token_create(user=user, name="Old script")

    response = client.post(revoke_url(token.pk), follow=True)

    assert response.redirect_chain == [("/accounts/profile/", 302)]
    assert "Token revoked" in response.content.decode()
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    api = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/studies")
    assert api.status_code == 401


def test_it_does_not_revoke_another_users_token(client):
    theirs, _ = tokens.token_create(user=factories.make_user(), name="Not yours")

    response = client.post(revoke_url(theirs.pk))

    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_it_revokes_only_by_post(client, user):
    token, _ = tokens.token_create(user=user, name="Keep me")

    assert client.get(revoke_url(token.pk)).status_code == 405
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_it_refuses_a_revoke_without_csrf_token(user):
    token, _ = tokens.token_create(user=user, name="Keep me")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(revoke_url(token.pk)).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_token_create_stores_only_a_hash(user):
    token, key = tokens.token_create(user=user, name="  Trimmed  ")

    assert token.name == "Trimmed"
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).exists()
    assert tokens.token_authenticate(key).user == user


def test_token_create_rejects_an_empty_name(user):
    with pytest.raises(ValidationError):
        tokens.token_create(user=user, name=" ")


def test_the_profile_page_runs_the_same_queries_whatever_the_number_of_tokens(
    client, user, django_assert_num_queries
):
    for n in range(5):
        tokens.token_create(user=user, name=f"Token {n}")

    # session, user, tokens
    with django_assert_num_queries(3):
        client.get(PROFILE)
