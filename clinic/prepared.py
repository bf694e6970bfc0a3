"""Statements that PostgreSQL parses and plans once per database session, for the hot
paths' fixed SQL: the checkout's reads, the chains' tails, the rows' inserts
(clinic.rows).

Why: psycopg2 sends every statement as text, which PostgreSQL parses, analyses and plans
each time. Under bench row P's load (pg_stat_statements, stop 32) the checkout's visit
read spent 0.27 ms planning and 0.02 ms running, the patient's locking read 0.08 ms and
0.02 ms, and each insert 15 to 25 us planning. `PREPARE name AS ...` does that work once
a session; `EXECUTE name(params)` then runs the saved plan.

How: `Prepared("name", sql).sql(connection)` is the text to execute with the statement's
parameters: `EXECUTE name(%s, ...)`, after preparing it in this session if it is not yet.
The PREPARE is the session's set-up, like the time zone Django sets on connecting, so it
goes through the driver's own cursor and is not one of the request's queries (the
benchmark's row Q and the query-count tests count what a request runs every time).

Name the columns a statement reads, never `SELECT *`: PostgreSQL refuses to run a
prepared statement whose result would change shape, which a migration adding a column
would do to workers still running during a deploy.

A prepared statement lives as long as the session and survives a rolled-back transaction.
Which names a session has is kept per connection object and forgotten when Django opens a
new session on it (the `connection_created` signal). Off behind a transaction-mode pooler
(`DJANGO_DB_TRANSACTION_POOLER`): the next transaction may get another server session.
"""

from __future__ import annotations

import re
import weakref

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.utils.connection import ConnectionProxy

# Connection object -> the names prepared in its current session.
_prepared: weakref.WeakKeyDictionary[BaseDatabaseWrapper, set[str]] = weakref.WeakKeyDictionary()


def _new_session(sender, connection: BaseDatabaseWrapper, **kwargs) -> None:
    _prepared.pop(connection, None)


connection_created.connect(_new_session, dispatch_uid="clinic.prepared")

_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# Every statement's name and SQL: one name is one statement, in every session.
_statements: dict[str, str] = {}


class Prepared:
    """One statement, written with `%s` placeholders as any SQL given to Django."""

    def __init__(self, name: str, sql: str) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a statement name: {name!r}")
        if _statements.setdefault(name, sql) != sql:
            raise ValueError(f"two statements named {name!r}")
        parts = sql.split("%s")
        self.name, self.text = name, sql
        self.prepare_sql = (
            f"PREPARE {name} AS "
            + parts[0]
            + "".join(f"${number}{part}" for number, part in enumerate(parts[1:], start=1))
        )
        placeholders = ", ".join(["%s"] * (len(parts) - 1))
        self.execute_sql = f"EXECUTE {name}({placeholders})" if placeholders else f"EXECUTE {name}"

    def sql(self, connection: BaseDatabaseWrapper) -> str:
        """The text to run on `connection` with the statement's parameters."""
        if not settings.CLINIC_DB_PREPARE:
            return self.text
        if isinstance(connection, ConnectionProxy):  # `django.db.connection`
            connection = connections[connection.alias]
        connection.ensure_connection()
        names = _prepared.setdefault(connection, set())
        if self.name not in names:
            with connection.wrap_database_errors, connection.connection.cursor() as cursor:
                cursor.execute(self.prepare_sql)
            names.add(self.name)
        return self.execute_sql
