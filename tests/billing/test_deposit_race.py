"""A deposit paid at the very moment its hold lapses, from separate connections: the
payment's settlement and the housekeeping that voids lapsed deposits both lock the patient
first, so one of them goes first and the other sees what it did."""

from __future__ import annotations

from appointments.models import Status
from billing.models import DepositStatus, LedgerEntry, PaymentStatus, Refund
from billing.selectors import balance_of
from billing.services.deposits import deposits_void_lapsed
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.deposit_helpers import (
    after_hold,
    book_online,
    deposit_clinic,
    deposit_of,
    pay,
    waiting_payment,
)
from tests.billing.helpers import cleared_patient
from tests.concurrency import at_once

pytestmark = at_clinic_now


def test_a_payment_and_the_lapse_at_the_same_moment_leave_one_consistent_outcome(live_db):
    """Either the hold becomes the booking and the deposit is paid, or the hold is
    released, the deposit voided and the late payment refunded to the card: never a
    booking without its deposit or money kept for a slot given back; nothing owed."""
    clinic = deposit_clinic()
    p = cleared_patient()
    held = book_online(clinic, p)
    payment = waiting_payment(held)
    lapsed_at = after_hold(held)
    at_once(lambda: pay(held), lambda: deposits_void_lapsed(now=lapsed_at))
    held.refresh_from_db()
    payment.refresh_from_db()
    deposit = deposit_of(held)
    outcome = (held.status, deposit.status)
    assert outcome in {
        (Status.BOOKED, DepositStatus.PAID),
        (Status.RELEASED, DepositStatus.REFUNDED),
    }
    assert payment.status == PaymentStatus.SUCCEEDED  # the card was charged either way
    refunds = Refund.objects.filter(payment=payment).count()
    assert refunds == (1 if deposit.status == DepositStatus.REFUNDED else 0)
    assert LedgerEntry.objects.filter(patient_id=p.pk, kind="payment").count() == 1
    balance = balance_of(p.pk)
    assert balance.owed == 0 and balance.credit == 0
