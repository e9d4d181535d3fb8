"""``request.user`` read by a written-out query (workbench/auth.py ``get_user``) and the
session row likewise (workbench/sessions.py): the same decision as Django's own
``django.contrib.auth.get_user`` over Django's database sessions in every case they
decide (signed in; password changed; inactive; deleted; no or another hash; a backend no
longer configured; a session signed with a fallback secret), with the same effect on the
session (kept, flushed, or its key cycled), and nothing kept between requests."""

from __future__ import annotations

import pytest
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from tests import factories
from workbench import auth as workbench_auth
from workbench.sessions import SessionStore

MODEL = "django.contrib.auth.backends.ModelBackend"


def _login(user, *, secret=None) -> str:
    """A session signed in as ``user`` (its key), with the hash made under ``secret``."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = MODEL
    if secret is None:
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    else:
        with override_settings(SECRET_KEY=secret):
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save(must_create=True)
    return store.session_key


def _decide(get_user, store_class, key):
    request = RequestFactory().get("/")
    request.session = store_class(key)
    user = get_user(request)
    session = request.session
    return {
        "user": None if not user.is_authenticated else (user.pk, user.username, user.is_active),
        "fields": None
        if not user.is_authenticated
        else {f.attname: getattr(user, f.attname) for f in user._meta.concrete_fields},
        "kept": session.session_key == key,
        "flushed": session.session_key is None and not session.keys(),
        "hash": session.get(HASH_SESSION_KEY),
        "data": dict(session.items()),
    }


SCENARIOS = [
    "signed in",
    "password changed",
    "inactive",
    "deleted",
    "no hash",
    "another hash",
    "backend gone",
    "fallback secret",
    "no session",
    "expired",
]


def _arrange(scenario, user):
    """The session key of ``scenario`` (after changing the database as it says)."""
    if scenario == "no session":
        return "x" * 32
    if scenario == "fallback secret":
        return _login(user, secret="an-old-secret-" + "k" * 40)
    key = _login(user)
    store = SessionStore(key)
    if scenario == "password changed":
        user.set_password("a-new-password-2")
        user.save()
    elif scenario == "inactive":
        user.is_active = False
        user.save()
    elif scenario == "deleted":
        user.delete()
    elif scenario == "no hash":
        del store[HASH_SESSION_KEY]
        store.save()
    elif scenario == "another hash":
        store[HASH_SESSION_KEY] = "0" * 64
        store.save()
    elif scenario == "backend gone":
        store[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
        store.save()
    elif scenario == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    return key


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_written_out_requester_is_djangos(db, scenario, settings):
    settings.SECRET_KEY_FALLBACKS = ["an-old-secret-" + "k" * 40]
    password, moment = make_password("old-password-1"), timezone.now()
    seen = []
    for get_user, store_class in (
        (auth.get_user, DjangoStore),
        (workbench_auth.get_user, SessionStore),
    ):
        # The same user each round (but its id): the same password hash, the same times.
        user = get_user_model().objects.create(
            username="bob", password=password, last_login=moment, date_joined=moment
        )
        key = _arrange(scenario, user)
        outcome = _decide(get_user, store_class, key)
        outcome["fields"] = outcome["fields"] and {
            k: v for k, v in outcome["fields"].items() if k != "id"
        }
        outcome["user"] = outcome["user"] and outcome["user"][1:]
        seen.append(outcome)
        get_user_model().objects.all().delete()
        Session.objects.all().delete()
    ours, djangos = seen[1], seen[0]
    for side in seen:  # the user's id differs (a new user each round)
        side["data"].pop(SESSION_KEY, None)
    assert ours == djangos
    signed_in = scenario in ("signed in", "fallback secret")
    assert (ours["user"] is not None) == signed_in


def test_a_signed_in_request_reads_the_session_and_the_user_once(db, django_assert_num_queries):
    user = factories.make_user(username="bob", password="old-password-1")
    client = Client()
    client.force_login(user)
    # the session row, the user row, the membership that decides the 404
    with django_assert_num_queries(3):
        response = client.get("/studies/999999/")
    assert response.status_code == 404


def test_a_password_change_elsewhere_signs_the_next_request_out(db):
    user = factories.make_user(username="bob", password="old-password-1")
    client = Client()
    client.force_login(user)
    assert client.get("/studies/").status_code == 200
    user.set_password("a-new-password-2")
    user.save()
    response = client.get("/studies/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
