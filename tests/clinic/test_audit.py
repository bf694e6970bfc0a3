"""The audit chain: each row carries the previous row's hash."""

import pytest
from django.db import connection

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


def test_an_edited_row_is_named(chain):
    AuditEvent.objects.filter(pk=chain[2].pk).update(actor_label="someone-else")
    broken = verify_chain()
    assert broken is not None and broken.event_id == chain[2].pk


def test_a_deleted_row_breaks_the_link_of_the_next(chain):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM clinic_auditevent WHERE id = %s", [chain[3].pk])
    broken = verify_chain()
    assert broken is not None and broken.event_id == chain[4].pk
