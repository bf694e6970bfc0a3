"""Closures that respect bookings: the booked sessions on the closed days are named first,
closing anyway tells each patient (the outbox, same transaction) and leaves the sessions for
reception to move; bad dates are refused in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.models import Appointment, Closure, Status
from appointments.selectors import booked_in_closures
from appointments.services.closures import ClosureInput, closure_save
from clinic.audit import Actor
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Role
from messaging.compose import compose_email
from messaging.models import Message, MessageKind
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.desk.helpers import book, cleared_patient
from tests.factories import staff

pytestmark = at_clinic_now


@pytest.fixture
def clinic(db):
    return build_clinic(practitioners=2, rooms=2, devices=1)


def manager() -> Actor:
    return Actor(user=staff(Role.MANAGER))


def holidays(days: int = 3, first: int = 5) -> ClosureInput:
    return ClosureInput(days_ahead(first), days_ahead(first + days - 1), "New Year")


def test_a_closure_over_booked_sessions_names_them_and_saves_nothing(clinic):
    p = cleared_patient(first_name="Olena")
    a = book(p, clinic.face, local(days_ahead(6), 11))
    book(cleared_patient(), clinic.face, local(days_ahead(9), 11))  # after the closure
    with pytest.raises(Conflict) as refused:
        closure_save(actor=manager(), data=holidays())
    error = refused.value
    assert error.code == "closure_has_bookings"
    assert [s["id"] for s in error.details["sessions"]] == [a.pk]
    assert "Olena" in error.details["sessions"][0]["patient"]
    assert "close_anyway" in error.fields
    assert not Closure.objects.exists()
    assert not Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE).exists()


def test_closing_anyway_tells_each_patient_and_leaves_the_session_to_move(clinic):
    p = cleared_patient()
    a = book(p, clinic.face, local(days_ahead(6), 11))
    closure = closure_save(actor=manager(), data=holidays(), close_anyway=True)
    a.refresh_from_db()
    assert a.status == Status.BOOKED  # reception moves it; nothing vanishes
    [notice] = Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE)
    assert (notice.appointment_id, notice.patient_id) == (a.pk, p.pk)
    assert notice.context == {"reason": "New Year"}
    email = compose_email(notice)
    assert "The clinic is closed on" in email.subject
    assert "New Year" in email.body and "/me/appointments/" in email.body
    assert booked_in_closures(days_ahead(0), a.start - timedelta(days=1)) == [(closure, [a])]
    # Saving it again tells nobody twice.
    closure_save(actor=manager(), data=holidays(), closure=closure, close_anyway=True)
    assert Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE).count() == 1


def test_a_closure_without_bookings_needs_no_confirmation(clinic):
    closure = closure_save(actor=manager(), data=holidays())
    assert Closure.objects.get() == closure


def test_cancelled_and_earlier_sessions_do_not_count(clinic):
    from appointments.services import appointment_cancel

    a = book(cleared_patient(), clinic.face, local(days_ahead(6), 11))
    appointment_cancel(actor=Actor(user=staff(Role.RECEPTION)), appointment=a, reason="ill")
    assert closure_save(actor=manager(), data=holidays())


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (ClosureInput(days_ahead(6), days_ahead(5), "x"), "end_date", "cannot be before"),
        (ClosureInput(days_ahead(5), days_ahead(6), "  "), "reason", "Say why"),
        (ClosureInput(days_ahead(5), days_ahead(6), "x" * 201), "reason", "under 200"),
    ],
)
def test_bad_closures_are_refused_in_words_beside_the_field(clinic, data, field, words):
    with pytest.raises(Invalid) as refused:
        closure_save(actor=manager(), data=data)
    assert words in refused.value.fields[field][0]
    assert "Constraint" not in str(refused.value.fields)
    assert not Closure.objects.exists()


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.DERMATOLOGIST, Role.PATIENT])
def test_only_the_manager_closes_the_clinic(clinic, role):
    with pytest.raises(Forbidden):
        closure_save(actor=Actor(user=staff(role)), data=holidays())
    assert not Closure.objects.exists()


def test_a_closed_day_offers_no_time_to_book(clinic):
    from appointments.availability import free_slots

    closure_save(actor=manager(), data=holidays())
    assert not free_slots(treatment=clinic.face, start=days_ahead(5), end=days_ahead(7))
    assert Appointment.objects.count() == 0
