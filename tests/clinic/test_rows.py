"""clinic.rows.insert_rows: the booking's lean INSERT writes what save() and bulk_create()
would, and refuses a model whose save signals it would skip."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models.signals import post_save
from django.utils import timezone

from appointments.models import Appointment, Status
from clinic.rows import insert_rows
from messaging.models import Message, MessageChannel, MessageKind, MessageStatus
from messaging.outbox import build_row
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import patient

pytestmark = [pytest.mark.django_db, at_clinic_now]


def _appointment(clinic, p, hour: int) -> Appointment:
    start = local(days_ahead(3), hour)
    return Appointment(
        patient=p,
        treatment=clinic.consultation,
        practitioner=clinic.practitioners[0],
        room=clinic.rooms[0],
        start=start,
        end=start + timedelta(minutes=30),
        blocked_until=start + timedelta(minutes=30),
    )


def test_a_row_is_saved_with_its_defaults_and_its_id_as_save_would():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    before = timezone.now()
    row = _appointment(clinic, p, 10)
    insert_rows([row])

    assert row.pk is not None and not row._state.adding and row._state.db == "default"
    stored = Appointment.objects.get(pk=row.pk)
    assert stored.status == Status.BOOKED and stored.sequence == 0  # the model's defaults
    assert stored.created_at == row.created_at and stored.created_at >= before  # auto_now_add
    assert (stored.patient_id, stored.start, stored.end) == (p.pk, row.start, row.end)
    saved = _appointment(clinic, patient(), 11)
    saved.save()
    compared = ("status", "status_reason", "sequence", "booked_via", "held_until", "course_id")
    assert {f: getattr(stored, f) for f in compared} == {f: getattr(saved, f) for f in compared}


def test_rows_refused_by_a_unique_constraint_are_skipped_with_ignore_conflicts():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    booked = _appointment(clinic, p, 10)
    insert_rows([booked])

    def confirmation() -> Message:
        return build_row(
            p.pk,
            MessageChannel.EMAIL,
            MessageKind.CONFIRMATION,
            timezone.now(),
            appointment_id=booked.pk,
        )

    insert_rows([confirmation(), confirmation()], ignore_conflicts=True)
    insert_rows([confirmation()], ignore_conflicts=True)
    sent = Message.objects.get(appointment=booked)  # one: the others were no-ops
    assert sent.status == MessageStatus.PENDING and sent.context == {} and sent.attempts == 0


def test_a_model_with_save_receivers_is_refused_so_none_is_skipped_silently():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()

    def receiver(**kwargs):
        pass

    post_save.connect(receiver, sender=Appointment, weak=False)
    try:
        with pytest.raises(TypeError, match="save signal receivers"):
            insert_rows([_appointment(clinic, p, 10)])
    finally:
        post_save.disconnect(receiver, sender=Appointment)
    assert not Appointment.objects.exists()
