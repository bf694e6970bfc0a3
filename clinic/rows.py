"""One INSERT for new rows of a model, without the ORM's query compiler: for the hot write
paths only, the booking (benchmark row W, ../shared/PERFORMANCE.md), the checkout (row P:
its invoice, lines, payment and ledger rows) and the audit trail's rows.

Why it exists (py-spy on the two gunicorn workers under row W's load, CPU samples): the
appointment's `create()` and its messages' `bulk_create()` were 12 % and 13 % of the
workers' CPU, mostly Django building the SQL of the statement (the compiler, expressions,
per-field preparation through several layers). With `Model.objects.create()` and
`bulk_create()`, W measured 0.18 to 0.21 x B and the workers spent 4.2 to 4.3 ms of CPU a
booking; with `insert_rows` (and the patient read through `raw()`, patients.selectors),
0.22 and 0.23 x B and 3.2 to 3.4 ms (scratch runs of rows B and W, stop 30). The target is
0.20 (README, Benchmark). The checkout's six inserts through the ORM, with its two opening
reads as querysets, cost 9.0 to 9.4 ms of CPU in-process a checkout; with `insert_rows`
and those reads through `raw()` (billing.services.checkout), 3.3 to 3.8 ms (stop 31).

A statement of up to `PREPARED_ROWS` rows is prepared once a database session
(clinic.prepared): PostgreSQL then neither parses nor plans it again.

Inside `deferred_inserts()`, an insert that needs no answer from the server (its rows'
ids were allocated beforehand, or it skips conflicts) is not sent on its own: it goes
with the connection's next statement, in the same round trip (`deferred_inserts` says
how and why).

What it keeps from the ORM: the model's own fields decide everything. Each value is what
`Model.__init__` and the field's `pre_save()` give (defaults, `auto_now_add`), made ready
for the database by the field's `get_db_prep_save()`, as `save()` does; the columns are
the model's concrete fields, so a field added later is written without a change here.
What it leaves out: the `pre_save` and `post_save` signals. `insert_rows` refuses a model
that has receivers for them, so a receiver added later cannot be skipped silently
(tests/clinic/test_rows.py holds both).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from clinic.prepared import Prepared

BATCH = 500  # rows a statement: far below PostgreSQL's 65,535 parameters


def insert_rows(rows: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """INSERT `rows` (new instances of one model) in one statement. Without
    `ignore_conflicts`, each row gets its primary key and becomes a saved instance; with
    it, a row that a unique constraint refuses is skipped (as `bulk_create` does, the
    instances are left unsaved)."""
    if not rows:
        return
    model = type(rows[0])
    if pre_save.has_listeners(model) or post_save.has_listeners(model):
        raise TypeError(f"{model.__name__} has save signal receivers: use the ORM's save()")
    if len(rows) > BATCH:
        for start in range(0, len(rows), BATCH):
            insert_rows(rows[start : start + BATCH], ignore_conflicts=ignore_conflicts)
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    pending = _pending.get()
    if pending is not None and pending.connection is not connection:
        pending = None
    with_ids = pending is not None and not ignore_conflicts and pending.take_ids(rows)
    fields = _fields(model, with_ids)
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for row in rows
        for field in fields
    ]
    statement = _insert(model, alias, len(rows), ignore_conflicts, with_ids)
    sql = statement.sql(connection) if isinstance(statement, Prepared) else statement
    if pending is not None and (with_ids or ignore_conflicts):  # no answer needed: kept
        pending.add(sql, params)
        if with_ids:
            for row in rows:
                row._state.adding, row._state.db = False, alias
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if ignore_conflicts:
            return
        ids = [found for (found,) in cursor.fetchall()]
    pk = model._meta.pk.attname
    for row, found in zip(rows, ids, strict=True):
        setattr(row, pk, found)
        row._state.adding, row._state.db = False, alias


@functools.cache
def _fields(model: type[Model], with_ids: bool = False) -> tuple:
    """The columns written: all but the primary key, which the database gives, unless the
    rows carry ids allocated beforehand (`deferred_inserts`)."""
    return tuple(f for f in model._meta.concrete_fields if with_ids or not f.primary_key)


# Statements of up to this many rows are prepared once a session (clinic.prepared): the hot
# paths insert one to three rows of a model; a larger batch is rare and runs as text.
PREPARED_ROWS = 4


@functools.cache
def _insert(
    model: type[Model], alias: str, count: int, ignore_conflicts: bool, with_ids: bool = False
) -> Prepared | str:
    sql = _insert_sql(model, alias, count, ignore_conflicts, with_ids)
    if count > PREPARED_ROWS:
        return sql
    suffix = ("_skip" if ignore_conflicts else "") + ("_ids" if with_ids else "")
    name = f"rows_{model._meta.db_table}_{count}{suffix}"
    if len(name) > 63:  # PostgreSQL's longest name
        name = "rows_" + hashlib.sha256(name.encode()).hexdigest()[:40]
    return Prepared(name, sql)


def _insert_sql(
    model: type[Model], alias: str, count: int, ignore_conflicts: bool, with_ids: bool
) -> str:
    quote = connections[alias].ops.quote_name
    fields = _fields(model, with_ids)
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if ignore_conflicts:
        tail = " ON CONFLICT DO NOTHING"
    elif with_ids:
        tail = ""
    else:
        tail = f" RETURNING {quote(model._meta.pk.column)}"
    # Identifiers come from the model's _meta, quoted; every value is a parameter.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        + ", ".join([one] * count)
        + tail
    )


@dataclass
class _Pending:
    """The inserts of an open `deferred_inserts` not yet sent, and the ids it may give."""

    connection: BaseDatabaseWrapper
    ids: dict[type[Model], list[int]]
    statements: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)

    def take_ids(self, rows: Sequence[Model]) -> bool:
        """Give each row one of its model's allocated ids; False (and none given) if
        there are not enough of them left."""
        free = self.ids.get(type(rows[0]), [])
        if len(free) < len(rows):
            return False
        pk = rows[0]._meta.pk.attname
        for row in rows:
            setattr(row, pk, free.pop(0))
        return True

    def add(self, sql: str, params: list) -> None:
        self.statements.append(sql)
        self.params.extend(params)

    def take(self) -> tuple[list[str], list]:
        statements, params = self.statements, self.params
        self.statements, self.params = [], []
        return statements, params

    def send_with(self, execute, sql, params, many, context):
        """Django's execute wrapper: the pending inserts go first, in the same round trip
        as the statement about to run (the driver gives that last statement's result)."""
        if not self.statements:
            return execute(sql, params, many, context)
        if many or context["cursor"].cursor.name or not isinstance(params, list | tuple | None):
            # executemany, a server-side cursor, named parameters: not joined, sent first.
            self.send()
            return execute(sql, params, many, context)
        statements, pending = self.take()
        if params is None:  # run as written: its % signs are not placeholders
            sql, params = sql.replace("%", "%%"), ()
        return execute(";\n".join([*statements, sql]), [*pending, *params], many, context)

    def send(self) -> None:
        statements, params = self.take()
        if statements:
            with self.connection.cursor() as cursor:
                cursor.execute(";\n".join(statements), params)


_pending: ContextVar[_Pending | None] = ContextVar("deferred_inserts", default=None)


@contextmanager
def deferred_inserts(ids: Mapping[type[Model], Iterable[int]] | None = None) -> Iterator[None]:
    """Inside a transaction: an `insert_rows` whose answer the caller does not need is
    kept, and sent with the next statement on the connection (whatever runs it: the ORM,
    a cursor, a savepoint), in one round trip, or when the block ends. So every statement
    still sees every row inserted before it, and the order of the writes is kept.

    An insert needs no answer when it skips conflicts, or when `ids` has ids of its
    model for its rows: ids the caller allocated from the tables' sequences beforehand
    (in a statement it ran anyway), which the rows then carry as `save()` would have given
    them. Without enough ids an insert runs at once, as outside the block.

    Why (bench row P, stop 33): a checkout made 13 round trips to PostgreSQL, each a wait
    for the worker and a wake-up of the database's backend on a busy two-core machine;
    its invoice, lines, payment, message and ledger rows now go in one, with the audit
    chain's lock. A failing insert fails the statement it went with, and so the
    transaction, as it would have failed on its own. Nested blocks send with the outermost.
    """
    if _pending.get() is not None:
        yield
        return
    connection = connections[DEFAULT_DB_ALIAS]
    pending = _Pending(connection, {model: list(found) for model, found in (ids or {}).items()})
    token = _pending.set(pending)
    try:
        with connection.execute_wrapper(pending.send_with):
            yield
            pending.send()
    finally:
        _pending.reset(token)
