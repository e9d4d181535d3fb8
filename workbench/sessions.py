"""Django's database sessions, the session row read by a written-out query (issue 12).

Every request of a signed-in person reads their session row; building that query through
the ORM cost more than running it. The row, its expiry check, what a missing or expired
session means (no key: a new session) and everything else (saving, the cookie, the
session's format) are Django's ``django.contrib.sessions.backends.db``: settings name
this module as ``SESSION_ENGINE``, and sessions made before it stay valid.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The unexpired row of this key (its ``session_data``), or None (and no key)."""
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        qn = connection.ops.quote_name
        sql = (
            f'SELECT "session_data" FROM {qn(model._meta.db_table)} '
            'WHERE "session_key" = %s AND "expire_date" > %s'
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
