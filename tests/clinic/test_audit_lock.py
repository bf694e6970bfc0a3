"""The audit table locked as `make run` locks it: a database of its own, migrated and handed
to the audit owner role by `manage.py audit_lock` (the step scripts/run.sh runs after
`migrate`, with the privileged login scripts/lib.sh made), then attacked as the app's own
database login: every way of erasing, rewriting or unguarding the trail is refused, while
the app's audit code still appends and reads.

The suite's own database is not locked: pytest-django creates it as the app's role, and
transactional tests empty every table (TRUNCATE) between tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import errors

from tests.conftest import ROOT, child_env

pytestmark = pytest.mark.slow

APPEND_AND_VERIFY = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
import django
django.setup()
from clinic.audit import Actor, audit_head_export, audit_record, verify_chain
for _ in range(3):
    audit_record(Actor(user=None), action="read", obj="chart", patient_id=None)
print(audit_head_export().rows, verify_chain())
"""


def url_for(url: str, database: str) -> str:
    return urlsplit(url)._replace(path=f"/{database}").geturl()


def manage(url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=child_env(DATABASE_URL=url, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def locked(django_db_setup) -> Iterator[dict[str, str]]:
    """(app url, admin url) of a migrated database whose audit table audit_lock locked."""
    admin = os.environ.get("AUDIT_ADMIN_DATABASE_URL", "")
    assert admin, "AUDIT_ADMIN_DATABASE_URL is set by scripts/test.sh: run the suite by make test"
    s = connection.settings_dict
    name = f"{s['NAME']}_locked"[:63]
    app = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{name}"
    # Once locked, the database belongs to the owner role: only the admin may drop it.
    server = psycopg2.connect(url_for(admin, "postgres"))
    server.autocommit = True
    with server.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    creator = psycopg2.connect(url_for(app, "postgres"))
    creator.autocommit = True
    with creator.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')  # owned by the app's role, as in make run
    creator.close()
    try:
        manage(app, "manage.py", "migrate", "--noinput", "-v", "0")
        admin = url_for(admin, name)
        manage(app, "manage.py", "audit_lock", AUDIT_ADMIN_DATABASE_URL=admin)
        locked_once = manage(app, "manage.py", "audit_lock", AUDIT_ADMIN_DATABASE_URL=admin)
        assert "may INSERT and SELECT" in locked_once.stdout  # and again: idempotent
        yield {"app": app, "admin": admin}
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def as_app(locked: dict[str, str], statement: str) -> None:
    conn = psycopg2.connect(locked["app"])
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def test_the_apps_role_still_migrates_its_own_tables(locked):
    as_app(locked, "CREATE TABLE later_migration (id bigint); DROP TABLE later_migration")


def test_the_apps_code_still_appends_and_reads_as_the_apps_role(locked, tmp_path):
    head = tmp_path / "head.jsonl"
    done = manage(locked["app"], "-c", APPEND_AND_VERIFY, AUDIT_HEAD_FILE=str(head))
    assert done.stdout.split() == ["3", "None"]  # 3 rows appended, the chain whole
    as_app(locked, "SELECT count(*) FROM clinic_auditevent")
    checked = manage(locked["app"], "manage.py", "audit_verify", AUDIT_HEAD_FILE=str(head))
    assert "intact: 3 rows" in checked.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE clinic_auditevent",
        "UPDATE clinic_auditevent SET actor_label = 'nobody'",
        "DELETE FROM clinic_auditevent",
        "ALTER TABLE clinic_auditevent DISABLE TRIGGER audit_append_only",
        "ALTER TABLE clinic_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_append_only ON clinic_auditevent",
        "DROP TABLE clinic_auditevent",
        "DROP SCHEMA public CASCADE",
        "ALTER SCHEMA public RENAME TO old",
        f"ALTER TABLE clinic_auditevent OWNER TO {settings.DATABASES['default']['USER']}",
        "ALTER TABLE clinic_auditevent RENAME TO clinic_auditevent_old",
        "CREATE OR REPLACE FUNCTION clinic_audit_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
        "CREATE RULE keep AS ON DELETE TO clinic_auditevent DO INSTEAD NOTHING",
        "SELECT setval(pg_get_serial_sequence('clinic_auditevent', 'id'), 1)",
        f"GRANT {settings.AUDIT_OWNER_ROLE} TO {settings.DATABASES['default']['USER']}",
        f"SET ROLE {settings.AUDIT_OWNER_ROLE}",
    ],
)
def test_the_apps_role_cannot_erase_rewrite_or_unguard_the_trail(locked, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        as_app(locked, statement)


def test_the_lock_gives_the_table_to_a_role_nobody_logs_in_as(locked):
    conn = psycopg2.connect(locked["admin"])
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolname, r.rolcanlogin FROM pg_class c "
                "JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = 'clinic_auditevent'::regclass"
            )
            assert cursor.fetchone() == (settings.AUDIT_OWNER_ROLE, False)
            cursor.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE table_name = 'clinic_auditevent' AND grantee = %s",
                [settings.DATABASES["default"]["USER"]],
            )
            assert sorted(row[0] for row in cursor.fetchall()) == ["INSERT", "SELECT"]
    finally:
        conn.close()
