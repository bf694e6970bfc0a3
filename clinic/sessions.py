"""Django's database sessions, with the read that every logged-in request makes written
out once: the ORM took longer to compile `Session.objects.get(...)` than PostgreSQL took
to answer it. Saving, expiry, `clearsessions` and ending sessions work as in Django."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


@functools.cache
def _load_sql(alias: str) -> str:
    q, meta = connections[alias].ops.quote_name, Session._meta
    return (
        f"SELECT {q(meta.get_field('session_data').column)} FROM {q(meta.db_table)} "  # noqa: S608
        f"WHERE {q(meta.get_field('session_key').column)} = %s "
        f"AND {q(meta.get_field('expire_date').column)} > %s"
    )


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        if not self.session_key:
            return {}
        alias = router.db_for_read(Session)
        with connections[alias].cursor() as cursor:
            cursor.execute(_load_sql(alias), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:  # unknown or expired: a new session, as in Django
            self._session_key = None
            return {}
        return self.decode(row[0])
