"""Persona fixtures: an owner (Alice), a coder (Bob), a viewer (Carol), an outsider (Dave)."""

from __future__ import annotations

import pytest
from django.test import Client

from studies.models import Role
from tests import factories


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def study(db):
    return factories.make_study(name="Peer support study")


@pytest.fixture
def owner(study):
    user = factories.make_user(username="alice")
    factories.add_member(study, user, Role.OWNER)
    return user


@pytest.fixture
def coder(study):
    user = factories.make_user(username="bob")
    factories.add_member(study, user, Role.CODER)
    return user


@pytest.fixture
def coder2(study):
    user = factories.make_user(username="erin")
    factories.add_member(study, user, Role.CODER)
    return user


@pytest.fixture
def viewer(study):
    user = factories.make_user(username="carol")
    factories.add_member(study, user, Role.VIEWER)
    return user


@pytest.fixture
def outsider(db):
    return factories.make_user(username="dave")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def coder_client(coder):
    return _client_for(coder)


@pytest.fixture
def viewer_client(viewer):
    return _client_for(viewer)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def persona_clients(owner_client, coder_client, viewer_client, outsider_client):
    return {
        "owner": owner_client,
        "coder": coder_client,
        "viewer": viewer_client,
        "outsider": outsider_client,
    }


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """The private ``media`` storage (recordings) on local disk in this test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "media": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"
