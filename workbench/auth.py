"""The requester, read once per request by a written-out query (issue 12).

``request.user`` is Django's: a per-request lazy object, the user of the session verified
against the session's hash on first use (a changed password ends every other session;
``SECRET_KEY_FALLBACKS`` are tried; an inactive or deleted user is anonymous). Only
``ModelBackend.get_user``'s one query is written out (building it through the ORM cost
more than running it); nothing about a user is kept between requests.
:func:`get_user` follows ``django.contrib.auth.get_user`` line by line, and
tests/accounts/test_request_user.py compares the two in every case they decide.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoMiddleware
from django.contrib.auth.middleware import auser
from django.db import connections, models, router
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from workbench.lib import rows

#: The largest id an id column holds: a larger one names no user.
_MAX_ID = 2**63 - 1


def _plain_model_backend(backend) -> bool:
    """Whether ``backend.get_user`` is ModelBackend's over the default manager's rows."""
    manager = type(get_user_model()._default_manager)
    return (
        isinstance(backend, ModelBackend)
        and type(backend).get_user is ModelBackend.get_user
        and manager.get_queryset is models.Manager.get_queryset
    )


def read_user(backend, user_id):
    """``backend.get_user(user_id)``; for Django's ModelBackend one written-out query."""
    if not _plain_model_backend(backend):
        return backend.get_user(user_id)
    model = get_user_model()
    if not isinstance(user_id, int) or not -_MAX_ID - 1 <= user_id <= _MAX_ID:
        return backend.get_user(user_id)
    connection = connections[router.db_for_read(model)]
    cols = rows.columns(model, "U")
    qn = connection.ops.quote_name
    sql = (
        f"SELECT {cols.sql} FROM {qn(model._meta.db_table)} U "
        f"WHERE U.{qn(model._meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = cols.build(row, using=connection.alias)
    return user if backend.user_can_authenticate(user) else None


def get_user(request):
    """``django.contrib.auth.get_user`` with :func:`read_user` for the backend's read."""
    from django.contrib.auth.models import AnonymousUser

    user = None
    try:
        user_id = auth._get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            user = read_user(backend, user_id)
            # Verify the session
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                if not session_hash:
                    session_hash_verified = False
                else:
                    session_auth_hash = user.get_session_auth_hash()
                    session_hash_verified = constant_time_compare(session_hash, session_auth_hash)
                if not session_hash_verified:
                    # The current secret does not verify the session: try the fallback
                    # secrets, stopping at the first that matches.
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback_auth_hash)
                        for fallback_auth_hash in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoMiddleware):
    """Django's, with :func:`get_user` behind ``request.user``."""

    def process_request(self, request):
        super().process_request(request)  # its checks, and ``request.auser``
        request.user = SimpleLazyObject(lambda: _cached_user(request))
        request.auser = partial(auser, request)
