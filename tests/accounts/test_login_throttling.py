"""Guessing passwords: an account locks after a few wrong passwords, says so, and unlocks."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from tests import factories

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def alice(db):
    return factories.make_user(username="alice", password="right-password-1")


def _try(client, password, url=LOGIN, username="alice"):
    return client.post(url, {"username": username, "password": password})


def test_the_right_password_signs_in(alice):
    response = _try(Client(), "right-password-1")

    assert response.status_code == 302


def test_it_locks_the_account_after_five_wrong_passwords(alice, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _try(client, "guess").status_code == 200  # the form again, with an error

    locked = _try(client, "guess")
    right = _try(Client(), "right-password-1")  # even the right password, from anywhere

    assert locked.status_code == 429
    assert right.status_code == 429
    html = right.content.decode()
    assert "Account locked for now" in html
    assert "15 minutes" in html
    assert "_auth_user_id" not in right.client.session


def test_the_admin_login_is_throttled_too(alice, settings):
    alice.is_staff = True
    alice.save()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "guess", url=ADMIN_LOGIN)

    assert _try(Client(), "right-password-1", url=ADMIN_LOGIN).status_code == 429


def test_an_administrator_unlocks_the_account(alice, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "guess")
    assert _try(Client(), "right-password-1").status_code == 429

    call_command("axes_reset_username", "alice")

    assert _try(Client(), "right-password-1").status_code == 302


def test_a_success_resets_the_count(alice, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(client, "guess")
    assert _try(Client(), "right-password-1").status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _try(Client(), "guess")

    assert _try(Client(), "right-password-1").status_code == 302


def test_a_locked_out_username_does_not_lock_out_colleagues_on_the_same_network(alice, settings):
    factories.make_user(username="bea", password="bea-password-1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(Client(), "guess")

    assert _try(Client(), "right-password-1").status_code == 429
    assert _try(Client(), "bea-password-1", username="bea").status_code == 302
