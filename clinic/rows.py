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
from collections.abc import Sequence

from django.db import connections, router
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
    fields = _fields(model)
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for row in rows
        for field in fields
    ]
    statement = _insert(model, alias, len(rows), ignore_conflicts)
    sql = statement.sql(connection) if isinstance(statement, Prepared) else statement
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
def _fields(model: type[Model]) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


# Statements of up to this many rows are prepared once a session (clinic.prepared): the hot
# paths insert one to three rows of a model; a larger batch is rare and runs as text.
PREPARED_ROWS = 4


@functools.cache
def _insert(model: type[Model], alias: str, count: int, ignore_conflicts: bool) -> Prepared | str:
    sql = _insert_sql(model, alias, count, ignore_conflicts)
    if count > PREPARED_ROWS:
        return sql
    suffix = "_skip" if ignore_conflicts else ""
    name = f"rows_{model._meta.db_table}_{count}{suffix}"
    if len(name) > 63:  # PostgreSQL's longest name
        name = "rows_" + hashlib.sha256(name.encode()).hexdigest()[:40]
    return Prepared(name, sql)


def _insert_sql(model: type[Model], alias: str, count: int, ignore_conflicts: bool) -> str:
    quote = connections[alias].ops.quote_name
    fields = _fields(model)
    columns = ", ".join(quote(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = (
        " ON CONFLICT DO NOTHING"
        if ignore_conflicts
        else f" RETURNING {quote(model._meta.pk.column)}"
    )
    # Identifiers come from the model's _meta, quoted; every value is a parameter.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        + ", ".join([one] * count)
        + tail
    )
