"""Sessions end when idle and on a password change; tokens expire, may be read-only, and die
with a password change; pages with study data are never cached."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from coding.models import Segment
from studies.models import ApiToken, Role
from tests import factories
from workbench import middleware, tokens


@pytest.fixture
def coder_setup(db):
    study = factories.make_study()
    user = factories.make_user(username="bob", password="old-password-1")
    factories.add_member(study, user, Role.CODER)
    transcript = factories.make_transcript(study)
    code = factories.make_code(study)
    return study, user, transcript, code


def _signed_in(user, password):
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": password}
        ).status_code
        == 302
    )
    return client


def test_a_password_change_signs_out_every_other_session_and_revokes_tokens(coder_setup):
    study, user, *_ = coder_setup
    here = _signed_in(user, "old-password-1")
    elsewhere = _signed_in(user, "old-password-1")
    _, key = tokens.token_create(user=user, name="R", scope="write")
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/studies").status_code == 200
    )

    response = here.post(
        "/accounts/password/",
        {
            "old_password": "old-password-1",
            "new_password1": "a-new-password-2",
            "new_password2": "a-new-password-2",
        },
    )

    assert response.status_code == 302
    assert here.get(f"/studies/{study.pk}/").status_code == 200  # this browser stays in
    assert elsewhere.get(f"/studies/{study.pk}/").status_code == 302  # the other is out
    assert not ApiToken.objects.filter(user=user).exists()
    assert (
        Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/studies").status_code == 401
    )


def test_an_admin_password_reset_revokes_tokens_too(coder_setup):
    _, user, *_ = coder_setup
    tokens.token_create(user=user, name="R")
    user.set_password("set-by-admin-3")
    user.save()

    assert not ApiToken.objects.filter(user=user).exists()


def test_saving_a_user_without_a_new_password_keeps_tokens(coder_setup):
    _, user, *_ = coder_setup
    tokens.token_create(user=user, name="R")
    user.first_name = "Bob"
    user.save()
    user.save(update_fields=["last_login"])

    assert ApiToken.objects.filter(user=user).count() == 1


def test_an_expired_token_is_refused(coder_setup):
    _, user, *_ = coder_setup
    token, key = tokens.token_create(user=user, name="R", days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/studies")

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_read_only_token_reads_but_cannot_code(coder_setup):
    study, user, transcript, code = coder_setup
    _, key = tokens.token_create(user=user, name="pandas")  # read only by default
    client = Client(headers={"Authorization": f"Bearer {key}"})

    assert client.get(f"/api/v1/studies/{study.pk}/codes").status_code == 200
    response = client.post(
        f"/api/v1/transcripts/{transcript.pk}/segments",
        {"code_id": code.pk, "start": 0, "end": 11, "quote": transcript.text[0:11]},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not Segment.objects.exists()


def test_the_profile_creates_a_token_with_scope_and_expiry(coder_setup):
    _, user, *_ = coder_setup
    client = Client()
    client.force_login(user)

    response = client.post(
        "/accounts/profile/tokens/", {"name": "laptop", "scope": "write", "lifetime": "30"}
    )

    token = ApiToken.objects.get(user=user)
    assert response.status_code == 200
    assert token.scope == "write"
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert "Read and write" in client.get("/accounts/profile/").content.decode()


def test_an_idle_session_ends(coder_setup, settings):
    study, user, *_ = coder_setup
    client = Client()
    client.force_login(user)
    assert client.get(f"/studies/{study.pk}/").status_code == 200

    # Idle for longer than the timeout: the stored session has expired.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/studies/{study.pk}/").status_code == 302


def test_a_working_session_is_renewed_at_most_once_a_minute(coder_setup, settings):
    study, user, *_ = coder_setup
    client = Client()
    client.force_login(user)
    first = Session.objects.get().expire_date
    client.get(f"/studies/{study.pk}/")
    assert Session.objects.get().expire_date == first  # seen at login: no write

    session = client.session
    session[middleware.SEEN_KEY] = int(time.time()) - middleware.RENEW_SECONDS
    session.save()
    before = Session.objects.get().expire_date
    client.get(f"/studies/{study.pk}/")

    assert Session.objects.get().expire_date > before
    assert settings.SESSION_COOKIE_AGE == 60 * 60


@pytest.mark.parametrize(
    "path",
    [
        "/studies/{study}/",
        "/studies/{study}/transcripts/{transcript}/",
        "/studies/{study}/retrieval/export.csv",
        "/api/v1/transcripts/{transcript}",
    ],
)
def test_pages_and_downloads_are_not_cached(coder_setup, path):
    study, user, transcript, _ = coder_setup
    client = Client()
    client.force_login(user)

    response = client.get(path.format(study=study.pk, transcript=transcript.pk))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_pages_carry_a_content_security_policy_without_inline_script(coder_setup):
    study, user, *_ = coder_setup
    client = Client()
    client.force_login(user)

    response = client.get(f"/studies/{study.pk}/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )

    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'"
    assert "<script>" not in response.content.decode()


PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "-production-secret-not-for-tests",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "workbench.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://workbench.example.org",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "BEHIND_TLS_PROXY": "1",
    "WORKBENCH_MANIFEST_STATIC": "1",
    "PATH": "/usr/bin:/bin",
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_check_deploy_passes_with_the_readmes_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
