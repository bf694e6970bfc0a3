"""The audit chain: each row carries the HMAC of itself and the previous row's hash, and
the chain's head, exported out of the database, must still be in it.

The attacks of issue 15 are made here as the app's database login could make them before
the table was locked (in the suite's database the app's role still owns the table); that
it no longer can is tests/clinic/test_audit_lock.py."""

import hashlib
import hmac
import importlib
import inspect
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from clinic.audit import (
    GENESIS,
    Actor,
    _hashed_fields,
    audit_batch,
    audit_head_export,
    audit_record,
    verify_chain,
)
from clinic.models import AuditEvent
from clinic.roles import Role
from tests.conftest import WorkerProcess, wait_until
from tests.factories import patient, staff


@pytest.fixture
def chain(db):
    actor = Actor(user=staff(Role.DERMATOLOGIST), ip="10.0.0.5", path="/x")
    p = patient()
    return [audit_record(actor, action="read", obj=p, patient_id=p.pk) for _ in range(5)]


def test_an_untouched_chain_verifies(chain):
    assert verify_chain() is None
    assert chain[1].prev_hash == chain[0].hash


def tamper(sql: str, params: list) -> None:
    """What someone with the table owner's rights could do: switch the guard off."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks
        cursor.execute("ALTER TABLE clinic_auditevent DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE clinic_auditevent ENABLE TRIGGER audit_append_only")


def test_a_batch_writes_its_rows_together_when_it_ends_and_they_chain(chain):
    actor = Actor(user=staff(Role.RECEPTION), ip="10.0.0.6", path="/checkout")
    before = AuditEvent.objects.count()
    with transaction.atomic(), audit_batch():
        first = audit_record(actor, action="invoice.issue", obj="invoice", patient_id=None)
        with audit_batch():  # a nested batch writes with the outermost
            audit_record(actor, action="payment.take", obj="payment", patient_id=None)
        assert first.pk is None
        assert AuditEvent.objects.count() == before  # nothing yet: the lock is not taken
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["invoice.issue", "payment.take"]
    assert rows[0].prev_hash == chain[-1].hash and rows[1].prev_hash == rows[0].hash
    assert verify_chain() is None


def test_a_batch_that_raises_writes_nothing(chain):
    actor = Actor(user=staff(Role.RECEPTION))
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic(), audit_batch():
        audit_record(actor, action="payment.take", obj="payment", patient_id=None)
        raise RuntimeError("the payment failed")
    assert AuditEvent.objects.count() == before
    audit_record(actor, action="read", obj="chart", patient_id=None)  # outside: at once
    assert AuditEvent.objects.count() == before + 1


def test_the_database_refuses_to_edit_or_delete_audit_rows(chain):
    for attempt in (
        lambda: AuditEvent.objects.filter(pk=chain[0].pk).update(actor_label="x"),
        lambda: AuditEvent.objects.filter(pk=chain[0].pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert verify_chain() is None


def test_an_edited_row_is_named(chain):
    tamper("UPDATE clinic_auditevent SET actor_label = 'someone-else' WHERE id = %s", [chain[2].pk])
    broken = verify_chain()
    assert broken is not None and broken.event_id == chain[2].pk
    with pytest.raises(CommandError, match=f"row {chain[2].pk}"):
        call_command("audit_verify")


def test_a_deleted_row_breaks_the_link_of_the_next(chain):
    tamper("DELETE FROM clinic_auditevent WHERE id = %s", [chain[3].pk])
    broken = verify_chain()
    assert broken is not None and broken.event_id == chain[4].pk


def test_the_verify_command_reports_an_intact_chain(chain, capsys):
    call_command("audit_verify")
    assert "intact: 5 rows" in capsys.readouterr().out


# --- The keyed chain ----------------------------------------------------------------------


def canonical(event: AuditEvent) -> bytes:
    fields = _hashed_fields(event)
    return json.dumps(fields, sort_keys=True, default=str, separators=(",", ":")).encode()


def plain_sha256(prev: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev.encode() + canonical(event)).hexdigest()


def hmac_with(key: str) -> Callable[[str, AuditEvent], str]:
    def digest(prev: str, event: AuditEvent) -> str:
        return hmac.new(key.encode(), prev.encode() + canonical(event), hashlib.sha256).hexdigest()

    return digest


def rechain(digest: Callable[[str, AuditEvent], str]) -> None:
    """Recompute every row's link and hash with `digest`, as the attacker of the finding did
    after editing a row (the trigger switched off by the table's owner)."""
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id"):
        new = digest(prev, event)
        tamper(
            "UPDATE clinic_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [prev, new, event.pk],
        )
        prev = new


def test_each_hash_is_an_hmac_under_the_audit_key(chain, settings):
    first = chain[0]
    assert first.hash == hmac_with(settings.AUDIT_HMAC_KEY)(GENESIS, first)
    assert first.hash != plain_sha256(GENESIS, first)
    settings.AUDIT_HMAC_KEY = "another-key-of-at-least-32-characters-0000"
    broken = verify_chain()
    assert broken is not None and broken.event_id == first.pk


@pytest.mark.parametrize(
    "digest",
    [plain_sha256, hmac_with("the-attackers-guess-at-the-key-0123456789")],
    ids=["plain-sha256", "hmac-with-a-wrong-key"],
)
def test_an_edited_row_with_its_chain_recomputed_without_the_key_is_detected(chain, digest):
    tamper("UPDATE clinic_auditevent SET actor_label = 'nobody' WHERE id = %s", [chain[2].pk])
    rechain(digest)
    first_row = AuditEvent.objects.order_by("id").first()
    assert first_row.prev_hash == GENESIS  # the links are whole: only the key is missing
    broken = verify_chain()
    assert broken is not None and broken.event_id == chain[0].pk
    assert "hash mismatch" in broken.reason
    with pytest.raises(CommandError, match=f"broken at row {chain[0].pk}"):
        call_command("audit_verify")


def test_a_row_inserted_by_hand_without_the_key_is_detected(chain):
    """INSERT is all the app's login may do to the locked table: a row it makes up, linked
    to the newest one, cannot carry the right HMAC."""
    forged = AuditEvent(
        at=chain[-1].at,
        actor_label="dermatologist",
        action="read",
        object_type="patients.patient",
        object_id="1",
        prev_hash=chain[-1].hash,
    )
    forged.hash = plain_sha256(chain[-1].hash, forged)
    forged.save()
    broken = verify_chain()
    assert broken is not None and broken.event_id == forged.pk


# --- The exported head ----------------------------------------------------------------------


@pytest.fixture
def head_file(settings, tmp_path: Path) -> Path:
    settings.AUDIT_HEAD_FILE = str(tmp_path / "audit" / "head.jsonl")
    return Path(settings.AUDIT_HEAD_FILE)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_export_appends_the_head_to_the_file_and_logs_it(chain, head_file):
    handler = Records()
    logging.getLogger("clinic.audit").addHandler(handler)
    try:
        audit_head_export()
        newest = audit_record(Actor(user=None), action="read", obj=chain[0], patient_id=None)
        audit_head_export()
    finally:
        logging.getLogger("clinic.audit").removeHandler(handler)
    first, second = lines(head_file)
    assert (first["id"], first["hash"], first["rows"]) == (chain[-1].pk, chain[-1].hash, 5)
    assert (second["id"], second["hash"], second["rows"]) == (newest.pk, newest.hash, 6)
    assert first["at"] <= second["at"]
    assert [r.audit_head for r in handler.records] == [first, second]


def test_an_empty_trail_exports_an_empty_head(db, head_file):
    head = audit_head_export()
    assert (head.id, head.hash, head.rows) == (None, GENESIS, 0)
    call_command("audit_verify")


def test_truncating_the_table_is_detected_by_the_exported_head(chain, head_file):
    audit_head_export()
    tamper("TRUNCATE clinic_auditevent", [])
    # The app goes on writing: a new chain from the beginning, whole in itself.
    actor = Actor(user=None)
    for _ in range(6):
        audit_record(actor, action="read", obj=chain[0], patient_id=None)
    assert verify_chain() is None  # without the head, nothing shows
    with pytest.raises(CommandError, match=f"row {chain[-1].pk}: missing.*deleted"):
        call_command("audit_verify")


def test_deleting_the_newest_rows_is_detected_after_a_head_export(db, head_file):
    actor = Actor(user=None)
    rows = [audit_record(actor, action="read", obj="x", patient_id=None) for _ in range(12)]
    audit_head_export()
    tamper("DELETE FROM clinic_auditevent WHERE id >= %s", [rows[-5].pk])
    assert verify_chain() is None  # the chain alone still links up
    with pytest.raises(CommandError, match=f"row {rows[-1].pk}: missing"):
        call_command("audit_verify")


def test_a_head_that_was_replaced_is_named(db, head_file):
    """TRUNCATE ... RESTART IDENTITY: the app's next rows take the exported ids again."""
    actor = Actor(user=None)
    rows = [audit_record(actor, action="read", obj="x", patient_id=None) for _ in range(3)]
    audit_head_export()
    tamper("TRUNCATE clinic_auditevent RESTART IDENTITY", [])
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE clinic_auditevent ALTER COLUMN id RESTART WITH %s", [rows[0].pk]
        )
    for _ in range(4):
        audit_record(actor, action="read", obj="y", patient_id=None)
    with pytest.raises(CommandError, match=f"row {rows[-1].pk}: not the row exported"):
        call_command("audit_verify")


def test_verify_reads_heads_from_several_files_and_refuses_an_unreadable_one(
    chain, head_file, tmp_path
):
    audit_head_export()
    other = tmp_path / "copied-from-another-host.jsonl"
    other.write_text(head_file.read_text())
    call_command("audit_verify", heads=[head_file, other])
    other.write_text('{"id": 3}\n')
    with pytest.raises(CommandError, match="not an exported audit head"):
        call_command("audit_verify", heads=[head_file, other])


def test_verify_without_any_exported_head_warns(chain, head_file, capsys):
    call_command("audit_verify")
    captured = capsys.readouterr()
    assert "intact: 5 rows" in captured.out
    assert "cannot be detected" in captured.err


def test_beat_sends_the_head_export_regularly(settings):
    from clinic.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-export-head"]
    assert entry["task"] == "clinic.tasks.audit_export_head"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == settings.AUDIT_HEAD_EXPORT_SECONDS <= 3600


@pytest.mark.slow
def test_the_worker_exports_the_head_to_its_file(live_db, tmp_path):
    from clinic.tasks import audit_export_head

    rows = [audit_record(Actor(user=None), action="read", obj="x", patient_id=None)]
    rows.append(audit_record(Actor(user=None), action="read", obj="x", patient_id=None))
    path = tmp_path / "head.jsonl"
    worker = WorkerProcess(tmp_path / "worker.log", AUDIT_HEAD_FILE=str(path))
    worker.start(concurrency=1)
    try:
        audit_export_head.delay()
        assert wait_until(lambda: path.exists() and path.read_text().endswith("\n"))
    finally:
        worker.stop()
    (head,) = lines(path)
    assert (head["id"], head["hash"], head["rows"]) == (rows[-1].pk, rows[-1].hash, 2)


# --- Migration 0006: the plain chain of earlier rows, re-keyed once ---------------------------

rekey = importlib.import_module("clinic.migrations.0006_audit_keyed_chain")


def run_migration_function(function) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as tamper(): ALTER TABLE needs it
    with connection.schema_editor() as editor:
        function(django_apps, editor)


def test_the_migration_re_keys_an_intact_plain_chain(chain):
    run_migration_function(rekey.backward)  # the rows as the release before wrote them
    assert AuditEvent.objects.get(pk=chain[0].pk).hash == plain_sha256(GENESIS, chain[0])
    assert verify_chain() is not None  # a plain chain is never accepted
    run_migration_function(rekey.forward)
    assert verify_chain() is None
    assert [e.hash for e in AuditEvent.objects.order_by("id")] == [e.hash for e in chain]


def test_the_migration_refuses_to_re_key_a_broken_plain_chain(chain):
    run_migration_function(rekey.backward)
    tamper("UPDATE clinic_auditevent SET action = 'change' WHERE id = %s", [chain[1].pk])
    with pytest.raises(RuntimeError, match=f"broken at row {chain[1].pk}"):
        run_migration_function(rekey.forward)


# --- Later migrations -------------------------------------------------------------------------

# Migrations that touch the audit table, each run before the table was locked. A new one
# fails under the lock ("must be owner of table clinic_auditevent"): it needs
# `audit_lock --release`, migrate, `audit_lock` (README, "Audit trail"), and its release
# notes must say so. Add it here once they do.
KNOWN_AUDIT_MIGRATIONS = {
    ("clinic", "0003_audit"),
    ("clinic", "0004_audit_append_only"),
    ("clinic", "0006_audit_keyed_chain"),
}


def touches_the_audit_table(app_label: str, operation) -> bool:
    from django.db import migrations

    if isinstance(operation, migrations.RunSQL):
        return "clinic_audit" in str(operation.sql) + str(operation.reverse_sql)
    if isinstance(operation, migrations.RunPython):
        source = inspect.getsource(inspect.getmodule(operation.code))
        return "AuditEvent" in source or "clinic_audit" in source
    name = getattr(operation, "model_name", None) or getattr(operation, "name", "")
    return app_label == "clinic" and str(name).lower() == "auditevent"


def test_every_migration_that_touches_the_audit_table_is_known():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    touching = {
        key
        for key, migration in loader.disk_migrations.items()
        if any(touches_the_audit_table(key[0], op) for op in migration.operations)
    }
    assert touching == KNOWN_AUDIT_MIGRATIONS
