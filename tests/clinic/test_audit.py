"""The audit chain: each row carries the previous row's hash."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from clinic.audit import Actor, audit_record, verify_chain
from clinic.models import AuditEvent
from clinic.roles import Role
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
