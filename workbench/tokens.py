"""Personal API tokens: create, revoke, and authenticate a key.

Only the SHA-256 hash of a key is stored; the full key exists once, in the answer to
:func:`token_create`. A token may expire and may be read-only; changing a password (on the
password page, in the admin or with ``changepassword``) deletes all of that user's tokens.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coding.audit import audit
from studies.models import ApiToken, TokenScope

PREFIX_LENGTH = 10
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_create(
    *, user, name: str, scope: str = TokenScope.READ, days: int | None = 90
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its full key (shown once, never stored).

    ``days`` is its lifetime (None: it never expires). Raises ValidationError when the name
    is empty or too long or the scope unknown.
    """
    key = ApiToken.new_key()
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=key[:PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    token.full_clean(exclude=["user"])
    with transaction.atomic():
        token.save()
        audit(study=None, actor=user, action="token.create", obj=token, after=_described(token))
    return token, key


def _described(token: ApiToken) -> dict:
    """What the audit log keeps of a token: never its key or hash."""
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scope": token.scope,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


def token_revoke(*, user, token_id: int) -> bool:
    """Delete one of ``user``'s tokens. Returns False when they have no such token."""
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, pk=token_id).first()
        if token is None:
            return False
        audit(study=None, actor=user, action="token.revoke", obj=token, before=_described(token))
        token.delete()
    return True


def token_authenticate(key: str) -> ApiToken | None:
    """The unexpired token of an active user with ``key`` (its ``user`` loaded, with their
    saved preferences when they have any), or None.

    One query, plus one write at most a minute.

    ``last_used_at`` is updated only when it is older than a minute, so that a script
    polling the API does not write on every request.
    """
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__preferences")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE so that concurrent requests write once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token


# Receivers connected in workbench.apps: a password change revokes every token.


def note_password_change(sender, instance, update_fields=None, **kwargs):
    """Before a user is saved: remember whether the password hash is changing."""
    instance._workbench_password_changed = False
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._workbench_password_changed = stored is not None and stored != instance.password


def revoke_after_password_change(sender, instance, created=False, **kwargs):
    if getattr(instance, "_workbench_password_changed", False):
        for token in ApiToken.objects.filter(user=instance):
            audit(
                study=None,
                actor=instance,
                action="token.revoke",
                obj=token,
                before=_described(token),
                after={"reason": "password change"},
            )
        ApiToken.objects.filter(user=instance).delete()
        instance._workbench_password_changed = False
