"""Hand the audit table to a role the app does not log in as; leave the app INSERT and SELECT.

Run after `migrate`, with a privileged login (AUDIT_ADMIN_DATABASE_URL), never the app's:
`make run` does it, and README.md ("Audit trail") gives the production procedure. Changing
an owner needs rights the app must not have, which is the point: after this, the app's
login cannot UPDATE, DELETE or TRUNCATE audit rows, nor alter, rename or drop the table,
nor switch off or drop the append-only trigger or replace its function.

The database goes to the owner role as well: the owner of a schema may drop any table in
it, and the public schema belongs to the database's owner (pg_database_owner). The app
keeps CREATE on that schema, so later migrations still create and alter its own tables.

The privileged login must be a member of the app's role (to take the table from it) and of
the owner role (to give it, and to take it back with --release), and have CREATEDB (which
PostgreSQL asks of whoever gives a database away). The owner role must exist, must not log
in, and the app's role must not be a member of it. Idempotent; ends by reading back the
privileges it set, and fails if any is not as it should be.
"""

from __future__ import annotations

from typing import Any

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from psycopg2 import sql

from clinic.models import AuditEvent

FUNCTION = "clinic_audit_append_only()"  # the trigger function (migration 0004)
APP_MAY = {"SELECT", "INSERT"}
APP_MAY_NOT = {"UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}


class Command(BaseCommand):
    help = "Give the audit table to the audit owner role; the app keeps INSERT and SELECT only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--admin-url",
            default=settings.AUDIT_ADMIN_DATABASE_URL,
            help="privileged login to the app's database (default: AUDIT_ADMIN_DATABASE_URL)",
        )
        parser.add_argument("--owner", default=settings.AUDIT_OWNER_ROLE)
        parser.add_argument(
            "--app-role",
            default=settings.DATABASES["default"]["USER"],
            help="the role the app logs in as (default: DATABASE_URL's user)",
        )
        parser.add_argument(
            "--release",
            action="store_true",
            help="give the table back to the app's role, for a migration that alters it; "
            "run audit_lock again right after that migration",
        )

    def handle(self, *args: Any, admin_url: str, owner: str, app_role: str, **opts: Any) -> None:
        if not admin_url:
            raise CommandError("Set AUDIT_ADMIN_DATABASE_URL (or --admin-url): a privileged login.")
        try:
            conn = psycopg2.connect(admin_url, connect_timeout=10)
        except psycopg2.Error as exc:
            raise CommandError(f"Cannot connect with the audit admin login: {exc}") from exc
        try:
            with conn, conn.cursor() as cursor:
                names = _names(cursor, owner, app_role)
                _check_roles(cursor, owner, app_role)
                if names is None:  # a new database: --release has nothing to give back
                    if not opts["release"]:
                        raise CommandError("No audit table in this database: run migrate first.")
                    message = "No audit table yet: nothing to release."
                elif opts["release"]:
                    _release(cursor, names)
                    message = f"Audit table given back to {app_role}: run audit_lock again."
                else:
                    _lock(cursor, names)
                    _check_privileges(cursor, names)
                    message = f"Audit table owned by {owner}; {app_role} may INSERT and SELECT."
        except psycopg2.Error as exc:
            raise CommandError(f"audit_lock failed: {exc}") from exc
        finally:
            conn.close()
        if opts["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(message))


def _names(cursor: Any, owner: str, app_role: str) -> dict[str, Any] | None:
    table = AuditEvent._meta.db_table
    cursor.execute(
        "SELECT n.nspname, pg_get_serial_sequence(quote_ident(n.nspname) || '.' || %s, 'id') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = to_regclass(%s)",
        [table, table],
    )
    found = cursor.fetchone()
    if found is None:
        return None
    schema, sequence = found
    cursor.execute("SELECT current_database()")
    return {
        "database": sql.Identifier(cursor.fetchone()[0]),
        "schema": sql.Identifier(schema),
        "schema_name": schema,
        "table": sql.Identifier(schema, table),
        "table_name": f"{schema}.{table}",
        "sequence": sql.SQL(sequence),  # already quoted by pg_get_serial_sequence
        "function": sql.SQL("{}.{}").format(sql.Identifier(schema), sql.SQL(FUNCTION)),
        "owner": sql.Identifier(owner),
        "app": sql.Identifier(app_role),
        "app_name": app_role,
    }


def _check_roles(cursor: Any, owner: str, app_role: str) -> None:
    cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [owner])
    row = cursor.fetchone()
    if row is None:
        raise CommandError(
            f"No role {owner}: create it as a superuser (CREATE ROLE {owner} NOLOGIN)."
        )
    if row[0]:
        raise CommandError(f"The audit owner role {owner} can log in: ALTER ROLE {owner} NOLOGIN.")
    cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app_role, owner])
    if cursor.fetchone()[0]:
        raise CommandError(f"The app's role {app_role} is a member of {owner}: revoke that.")


def _lock(cursor: Any, n: dict[str, Any]) -> None:
    for statement in (
        # First, so the app loses the schema's ownership (and with it DROP of any table in
        # it); it keeps using the schema and creating its own tables there.
        "ALTER DATABASE {database} OWNER TO {owner}",
        "GRANT USAGE, CREATE ON SCHEMA {schema} TO {app}",
        "ALTER TABLE {table} OWNER TO {owner}",  # with its indexes and its id sequence
        "ALTER FUNCTION {function} OWNER TO {owner}",
        "REVOKE ALL ON TABLE {table} FROM PUBLIC, {app}",
        "GRANT SELECT, INSERT ON TABLE {table} TO {app}",
        "REVOKE ALL ON SEQUENCE {sequence} FROM PUBLIC, {app}",
        "GRANT USAGE ON SEQUENCE {sequence} TO {app}",
    ):
        cursor.execute(sql.SQL(statement).format(**n))


def _release(cursor: Any, n: dict[str, Any]) -> None:
    for statement in (
        "ALTER TABLE {table} OWNER TO {app}",
        "ALTER FUNCTION {function} OWNER TO {app}",
    ):
        cursor.execute(sql.SQL(statement).format(**n))


def _check_privileges(cursor: Any, n: dict[str, Any]) -> None:
    """Read back what PostgreSQL now says the app's role may do."""
    wrong = []
    for privilege in sorted(APP_MAY | APP_MAY_NOT):
        cursor.execute(
            "SELECT has_table_privilege(%s, %s, %s)", [n["app_name"], n["table_name"], privilege]
        )
        if cursor.fetchone()[0] != (privilege in APP_MAY):
            wrong.append(privilege)
    for what, query in (
        ("table owner", "SELECT relowner FROM pg_class WHERE oid = to_regclass(%s)"),
        ("schema owner", "SELECT nspowner FROM pg_namespace WHERE nspname = %s"),
        ("database owner", "SELECT datdba FROM pg_database WHERE datname = current_database()"),
    ):
        name = {"table owner": n["table_name"], "schema owner": n["schema_name"]}.get(what)
        cursor.execute(query, [name] if name else [])
        owner_oid = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_has_role(%s, %s::oid, 'USAGE') OR pg_has_role(%s, %s::oid, 'MEMBER')",
            [n["app_name"], owner_oid, n["app_name"], owner_oid],
        )
        if cursor.fetchone()[0]:
            wrong.append(what)
    if wrong:
        raise CommandError(f"The app's role still has the wrong rights: {', '.join(wrong)}.")
