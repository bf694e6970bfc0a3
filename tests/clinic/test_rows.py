"""clinic.rows.insert_rows: the booking's lean INSERT writes what save() and bulk_create()
would, and refuses a model whose save signals it would skip. `deferred_inserts` sends an
insert that needs no answer with the next statement, which sees its rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from appointments.models import Appointment, Status
from clinic.rows import deferred_inserts, insert_rows
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


def _new_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [found for (found,) in cursor.fetchall()]


def test_deferred_rows_carry_the_given_ids_and_go_with_the_next_statement(
    django_assert_num_queries,
):
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    ids = _new_ids(Appointment, 2)
    with django_assert_num_queries(2), deferred_inserts({Appointment: list(ids)}):
        first, second = _appointment(clinic, p, 10), _appointment(clinic, p, 11)
        insert_rows([first])
        insert_rows([second])
        assert (first.pk, second.pk) == tuple(ids) and not first._state.adding
        # Nothing sent yet: the read below takes both inserts with it, and sees their rows.
        assert list(Appointment.objects.order_by("pk").values_list("pk", flat=True)) == ids
        message = build_row(
            p.pk,
            MessageChannel.EMAIL,
            MessageKind.CONFIRMATION,
            timezone.now(),
            appointment_id=ids[0],
        )
        insert_rows([message], ignore_conflicts=True)  # skips conflicts: kept, sent at the end
    assert Message.objects.filter(appointment_id=ids[0]).count() == 1
    assert Appointment.objects.get(pk=ids[1]).start == second.start


def test_rows_without_ids_left_are_inserted_at_once_after_the_kept_ones(
    django_assert_num_queries,
):
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    (given,) = _new_ids(Appointment, 1)
    with deferred_inserts({Appointment: [given]}):
        kept, other = _appointment(clinic, p, 10), _appointment(clinic, p, 11)
        insert_rows([kept])
        with django_assert_num_queries(1):  # one round trip: the kept insert, then this one
            insert_rows([other])
        assert other.pk not in (None, given) and kept.pk == given
    assert set(Appointment.objects.values_list("pk", flat=True)) == {given, other.pk}


def test_a_statement_without_parameters_keeps_its_percent_signs():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    with deferred_inserts({Appointment: _new_ids(Appointment, 1)}):
        insert_rows([_appointment(clinic, p, 10)])
        with connection.cursor() as cursor:
            cursor.execute("SELECT '100%', count(*) FROM appointments_appointment")
            assert cursor.fetchone() == ("100%", 1)


def test_a_server_side_cursor_sees_the_kept_rows():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    ids = _new_ids(Appointment, 2)
    with deferred_inserts({Appointment: list(ids)}):
        insert_rows([_appointment(clinic, p, 10), _appointment(clinic, p, 11)])
        found = [a.pk for a in Appointment.objects.order_by("pk").iterator(chunk_size=1)]
    assert found == ids


def test_a_kept_insert_that_fails_fails_the_statement_it_goes_with_and_saves_nothing():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    (taken,) = _new_ids(Appointment, 1)
    insert_rows([_appointment(clinic, p, 9)])
    existing = Appointment.objects.get()
    # The id of a row that exists: the primary key refuses it when it is sent.
    refused = deferred_inserts({Appointment: [existing.pk]})
    with pytest.raises(IntegrityError), transaction.atomic(), refused:
        insert_rows([_appointment(clinic, p, 10)])
        Appointment.objects.count()
    assert list(Appointment.objects.values_list("pk", flat=True)) == [existing.pk]
    assert taken != existing.pk


def test_a_block_that_raises_sends_nothing():
    clinic, p = build_clinic(practitioners=1, rooms=1, devices=0), patient()
    with pytest.raises(RuntimeError), deferred_inserts({Appointment: _new_ids(Appointment, 1)}):
        insert_rows([_appointment(clinic, p, 10)])
        raise RuntimeError("stop")
    assert not Appointment.objects.exists()
