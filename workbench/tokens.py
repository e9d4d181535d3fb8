"""Personal API tokens: create, revoke, and authenticate a key.

Only the SHA-256 hash of a key is stored; the full key exists once, in the answer to
:func:`token_create`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from studies.models import ApiToken

PREFIX_LENGTH = 10
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return it with its full key (shown once, never stored).

    Raises ValidationError when the name is empty or too long.
    """
    key = ApiToken.new_key()
    token = ApiToken(
        user=user,
        name=(name or "").strip(),
        prefix=key[:PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
    )
    token.full_clean(exclude=["user"])
    token.save()
    return token, key


def token_revoke(*, user, token_id: int) -> bool:
    """Delete one of ``user``'s tokens. Returns False when they have no such token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def token_authenticate(key: str):
    """The active user owning ``key``, or None. One query, plus one write at most a minute.

    ``last_used_at`` is updated only when it is older than a minute, so that a script
    polling the API does not write on every request.
    """
    if not key:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE so that concurrent requests write once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token.user
