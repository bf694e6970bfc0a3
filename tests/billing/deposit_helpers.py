"""Deposit tests: a face treatment asking a deposit, and a patient's own online booking."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from appointments.models import Appointment
from appointments.services import appointment_book
from billing.models import Deposit, Payment
from billing.online import test_checkout_deliver
from clinic.audit import Actor
from tests.appointments.clinic_setup import Clinic, days_ahead, local
from tests.billing.helpers import priced_clinic
from treatments.models import Treatment

DEPOSIT = Decimal("300.00")


def deposit_clinic(
    *, kind: str = "amount", amount: str | None = "300.00", percent: int | None = None, **rule
) -> Clinic:
    clinic = priced_clinic()
    Treatment.objects.filter(pk=clinic.face.pk).update(
        deposit_kind=kind,
        deposit_amount=Decimal(amount) if amount is not None else None,
        deposit_percent=percent,
        **rule,
    )
    clinic.face.refresh_from_db()
    return clinic


def book_online(clinic: Clinic, p, *, days: int = 3, hour: int = 10) -> Appointment:
    """The patient's own booking, as the booking page makes it."""
    return appointment_book(
        actor=Actor(user=p.user),
        patient=p,
        treatment=clinic.face,
        start=local(days_ahead(days), hour),
        channel="online",
    )


def deposit_of(appointment: Appointment) -> Deposit:
    return Deposit.objects.select_related("invoice").get(appointment=appointment)


def waiting_payment(appointment: Appointment) -> Payment:
    return Payment.objects.get(invoice=deposit_of(appointment).invoice, status="pending")


def pay(appointment: Appointment, *, succeeded: bool = True) -> Payment:
    """The test provider's hosted page answering, through its signed event."""
    return test_checkout_deliver(waiting_payment(appointment), succeeded=succeeded)


def after_hold(appointment: Appointment) -> object:
    return appointment.held_until + timedelta(seconds=1)
