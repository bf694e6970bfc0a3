"""clinic.prepared: a statement is prepared once a database session, runs as EXECUTE, is
prepared again in a new session, survives a rolled-back transaction, is not one of a
request's counted queries, and is off behind a transaction-mode pooler."""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from clinic.prepared import Prepared
from tests.clinic.test_settings import run_manage

ADD = Prepared("test_prepared_add", "SELECT %s::int + %s::int")
FIRST = Prepared("test_prepared_first", "SELECT %s::int * 2")
CONSTANT = Prepared("test_prepared_constant", "SELECT 7")


def run(conn, statement: Prepared, params=()):
    with conn.cursor() as cursor:
        cursor.execute(statement.sql(conn), params)
        return cursor.fetchone()[0]


def prepared_names(conn) -> set[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture
def other():
    """A connection of its own: a session this test alone uses."""
    conn = connections.create_connection(DEFAULT_DB_ALIAS)
    yield conn
    conn.close()


def test_the_sql_to_run_is_execute_with_the_parameters(db):
    assert ADD.prepare_sql == "PREPARE test_prepared_add AS SELECT $1::int + $2::int"
    assert ADD.sql(connection) == "EXECUTE test_prepared_add(%s, %s)"
    assert CONSTANT.sql(connection) == "EXECUTE test_prepared_constant"
    assert run(connection, ADD, [2, 3]) == 5
    assert run(connection, CONSTANT) == 7
    assert {"test_prepared_add", "test_prepared_constant"} <= prepared_names(connection)


def test_preparing_is_not_one_of_the_counted_queries(db):
    with CaptureQueriesContext(connection) as first:
        assert run(connection, FIRST, [21]) == 42
    with CaptureQueriesContext(connection) as again:
        assert run(connection, FIRST, [5]) == 10
    assert [q["sql"] for q in first.captured_queries] == ["EXECUTE test_prepared_first(21)"]
    assert [q["sql"] for q in again.captured_queries] == ["EXECUTE test_prepared_first(5)"]


def test_a_new_session_on_the_same_connection_prepares_it_again(live_db, other):
    assert run(other, ADD, [1, 1]) == 2
    other.close()  # the next use opens a new session, which has no prepared statement
    assert run(other, ADD, [2, 2]) == 4
    assert "test_prepared_add" in prepared_names(other)


def test_a_rolled_back_transaction_keeps_the_statement(live_db, other):
    other.set_autocommit(False)
    assert run(other, ADD, [3, 4]) == 7
    other.rollback()
    other.set_autocommit(True)
    assert run(other, ADD, [5, 6]) == 11  # still prepared: no second PREPARE, no error


def test_off_it_runs_the_text(db, settings):
    settings.CLINIC_DB_PREPARE = False
    assert ADD.sql(connection) == ADD.text
    assert run(connection, ADD, [1, 2]) == 3


def test_one_name_is_one_statement():
    assert Prepared("test_prepared_add", "SELECT %s::int + %s::int").name == ADD.name
    with pytest.raises(ValueError, match="two statements"):
        Prepared("test_prepared_add", "SELECT 1")
    with pytest.raises(ValueError, match="not a statement name"):
        Prepared("bad name; DROP TABLE x", "SELECT 1")


def test_behind_a_transaction_pooler_nothing_is_prepared():
    show = "from django.conf import settings; print(settings.CLINIC_DB_PREPARE)"
    direct = run_manage("shell", "--no-imports", "-c", show)
    pooled = run_manage("shell", "--no-imports", "-c", show, DJANGO_DB_TRANSACTION_POOLER="true")
    assert (direct.stdout.strip(), pooled.stdout.strip()) == ("True", "False"), (
        direct.stderr,
        pooled.stderr,
    )
