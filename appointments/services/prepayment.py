"""Online bookings that wait for a prepayment (a deposit) before they are booked.

Scheduling keeps the slot and decides nothing about money: the app that takes the money
(billing, a layer above) registers a `PrepaymentTaker` in its AppConfig.ready(). A
patient's own booking of a treatment the taker asks a prepayment for becomes a hold
(status HELD until `held_until`), and the taker opens what is to pay inside the booking's
transaction; once paid, the taker turns the hold into the booking (hold_confirm), which
is when the confirmation goes out. Staff bookings never wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from appointments.models import Appointment
from patients.models import Patient
from treatments.models import Treatment


@dataclass(frozen=True)
class PrepaymentDue:
    """What the patient pays to keep a held booking, and where (the API's `deposit`)."""

    invoice_id: int
    invoice_number: str
    amount: Decimal
    currency: str
    held_until: datetime
    payment_id: int | None  # the online payment waiting for the provider
    provider: str
    client_secret: str
    pay_url: str  # the page that takes it (the test provider's, or the result page)


@dataclass(frozen=True)
class PrepaymentQuote:
    """What an online booking would ask first (the confirm page), and how long it holds."""

    amount: Decimal
    currency: str
    minutes: int


@dataclass(frozen=True)
class PrepaymentPaid:
    """A booked visit's paid prepayment, and what a cancel now would do with it."""

    amount: Decimal
    currency: str
    refunded_on_cancel: bool  # False inside the cutoff: the clinic keeps it
    to_credit: bool  # refunded to account credit rather than the way it was paid


class PrepaymentTaker(Protocol):
    def quote(
        self, *, patient: Patient, treatment: Treatment, now: datetime
    ) -> PrepaymentQuote | None:
        """What holding an online booking for its prepayment asks; None: book at once."""
        ...

    def open(self, *, appointment: Appointment, now: datetime) -> PrepaymentDue | None:
        """In the booking's transaction: open what is to pay for this new hold."""
        ...

    def due_for(self, appointment: Appointment) -> PrepaymentDue | None: ...

    def paid_for(self, appointment: Appointment, now: datetime) -> PrepaymentPaid | None: ...


# Code wiring filled once at start-up (like signal receivers), never state between requests.
_takers: list[PrepaymentTaker] = []


def register_prepayment_taker(taker: PrepaymentTaker) -> None:
    if all(type(found) is not type(taker) for found in _takers):
        _takers.append(taker)


def prepayment_quote(
    *, patient: Patient, treatment: Treatment, now: datetime
) -> PrepaymentQuote | None:
    quotes = (t.quote(patient=patient, treatment=treatment, now=now) for t in _takers)
    return next((q for q in quotes if q is not None), None)


def prepayment_open(*, appointment: Appointment, now: datetime) -> PrepaymentDue | None:
    opened = [taker.open(appointment=appointment, now=now) for taker in _takers]
    return next((due for due in opened if due is not None), None)


def prepayment_due(appointment: Appointment) -> PrepaymentDue | None:
    """What is left to pay on a held online booking (None: nothing, or not held). Right
    after the booking, what was opened then (with the provider's client secret, which is
    never stored); later, what the taker finds."""
    if (opened := vars(appointment).get("opened_prepayment")) is not None:
        return opened
    for taker in _takers:
        if (due := taker.due_for(appointment)) is not None:
            return due
    return None


def prepayment_paid(appointment: Appointment, now: datetime) -> PrepaymentPaid | None:
    """The paid prepayment of a booked visit (the cancel page says what becomes of it)."""
    found = (taker.paid_for(appointment, now) for taker in _takers)
    return next((paid for paid in found if paid is not None), None)
