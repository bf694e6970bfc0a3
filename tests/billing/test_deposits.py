"""Deposits of online bookings, at the service level: the hold and its invoice, payment
books it (the confirmation only then), a decline keeps the hold, a lapse credits the
invoice, a late payment is refunded, no-show and late cancel keep it, a cancel in time
refunds it, checkout counts it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from appointments.models import Appointment, CancelReason, Status
from appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_mark_no_show,
    appointment_undo_no_show,
    hold_release_all_lapsed,
)
from appointments.services.prepayment import prepayment_due
from billing.models import (
    BillingPolicy,
    Deposit,
    Invoice,
    LedgerEntry,
    MissedSessionFee,
    Payment,
    Refund,
)
from billing.selectors import balance_of, outstanding
from billing.services.checkout import checkout
from billing.services.deposits import deposits_void_lapsed
from billing.services.payments import payment_start_online
from clinic.audit import Actor
from clinic.errors import Conflict
from messaging.models import Message
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.billing.deposit_helpers import (
    DEPOSIT,
    after_hold,
    book_online,
    deposit_clinic,
    deposit_of,
    pay,
    waiting_payment,
)
from tests.billing.helpers import cleared_patient, desk
from treatments.models import Treatment

pytestmark = [pytest.mark.django_db, at_clinic_now]
D = Decimal


@pytest.fixture
def clinic():
    return deposit_clinic()


def confirmations(appointment: Appointment) -> int:
    return Message.objects.filter(appointment=appointment, kind="confirmation").count()


def test_an_online_booking_with_a_deposit_is_held_with_an_issued_invoice(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    assert held.status == Status.HELD
    assert held.held_until == pytest.approx(
        timezone.now() + timedelta(minutes=15), abs=timedelta(seconds=5)
    )
    deposit = deposit_of(held)
    assert deposit.status == "awaiting" and deposit.amount.amount == DEPOSIT
    assert deposit.invoice.total.amount == DEPOSIT and deposit.invoice.appointment_id is None
    assert waiting_payment(held).amount.amount == DEPOSIT
    assert balance_of(p.pk).owed == DEPOSIT
    assert confirmations(held) == 0  # not booked yet: no confirmation
    due = prepayment_due(held)
    assert due.invoice_id == deposit.invoice_id and due.client_secret.startswith("test_pi_")


def test_the_hold_lasts_the_billing_policys_minutes():
    BillingPolicy.objects.create(deposit_hold_minutes=40)
    held = book_online(deposit_clinic(), cleared_patient())
    assert held.held_until == pytest.approx(
        timezone.now() + timedelta(minutes=40), abs=timedelta(seconds=5)
    )


def test_a_percentage_deposit_is_that_share_of_the_price():
    clinic = deposit_clinic(kind="percent", amount=None, percent=25)
    held = book_online(clinic, cleared_patient())
    assert deposit_of(held).amount.amount == D("300.00")  # 25 % of 1200


def test_a_first_visit_rule_asks_no_deposit_of_a_patient_who_has_been(clinic):
    Treatment.objects.filter(pk=clinic.face.pk).update(deposit_first_visit_only=True)
    clinic.face.refresh_from_db()
    newcomer, regular = cleared_patient(), cleared_patient()
    appointment_book(
        actor=desk(), patient=regular, treatment=clinic.face, start=local(days_ahead(2), 12)
    )
    assert book_online(clinic, newcomer).status == Status.HELD
    booked = book_online(clinic, regular, hour=15)
    assert booked.status == Status.BOOKED and not Deposit.objects.filter(appointment=booked)


def test_staff_bookings_at_the_desk_are_not_held(clinic):
    p = cleared_patient()
    booked = appointment_book(
        actor=desk(), patient=p, treatment=clinic.face, start=local(days_ahead(3), 10)
    )
    assert booked.status == Status.BOOKED
    assert not Deposit.objects.exists() and not Invoice.objects.exists()


def test_a_treatment_without_a_deposit_books_at_once():
    clinic = deposit_clinic(kind="none", amount=None)
    booked = book_online(clinic, cleared_patient())
    assert booked.status == Status.BOOKED and confirmations(booked) == 1


def test_paying_books_the_hold_and_only_then_queues_the_confirmation(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    pay(held)
    held.refresh_from_db()
    assert held.status == Status.BOOKED and held.held_until is None
    assert deposit_of(held).status == "paid"
    assert confirmations(held) == 1
    assert balance_of(p.pk).owed == 0
    assert prepayment_due(Appointment.objects.get(pk=held.pk)) is None


def test_a_decline_keeps_the_hold_and_the_patient_can_try_again(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    declined = pay(held, succeeded=False)
    held.refresh_from_db()
    assert declined.status == "failed" and held.status == Status.HELD
    assert deposit_of(held).status == "awaiting" and confirmations(held) == 0
    assert LedgerEntry.objects.filter(patient_id=p.pk).count() == 1  # the invoice only
    again, _intent = payment_start_online(
        actor=Actor(user=p.user), invoice=deposit_of(held).invoice, amount=DEPOSIT
    )
    assert again.status == "pending"
    pay(held)
    held.refresh_from_db()
    assert held.status == Status.BOOKED and confirmations(held) == 1


def test_a_lapsed_hold_frees_the_slot_and_credits_the_invoice(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    with time_machine.travel(after_hold(held)):
        assert hold_release_all_lapsed() == 1  # the holds task frees the slot
        assert deposits_void_lapsed() == 1
        assert deposits_void_lapsed() == 0  # twice does no harm
    held.refresh_from_db()
    deposit = deposit_of(held)
    assert held.status == Status.RELEASED and deposit.status == "lapsed"
    note = Invoice.objects.get(kind="credit_note", corrects=deposit.invoice)
    assert note.total.amount == DEPOSIT
    assert balance_of(p.pk).owed == 0 and outstanding(deposit.invoice) == 0
    kinds = list(LedgerEntry.objects.filter(patient_id=p.pk).values_list("kind", flat=True))
    assert kinds == ["invoice", "credit_note"]  # nothing left dangling
    assert confirmations(held) == 0
    other = cleared_patient()
    with time_machine.travel(after_hold(held)):
        again = appointment_book(
            actor=desk(), patient=other, treatment=clinic.face, start=held.start
        )
    assert again.status == Status.BOOKED  # the time is free again


def test_the_deposit_task_alone_releases_a_lapsed_hold_too(clinic):
    held = book_online(clinic, cleared_patient())
    with time_machine.travel(after_hold(held)):
        assert deposits_void_lapsed() == 1
    held.refresh_from_db()
    assert held.status == Status.RELEASED


def test_paying_a_lapsed_holds_invoice_is_refused_and_saves_nothing(clinic):
    p = cleared_patient()
    held = book_online(clinic, p)
    invoice = deposit_of(held).invoice
    pay(held, succeeded=False)
    payments, rows = Payment.objects.count(), LedgerEntry.objects.count()
    with time_machine.travel(after_hold(held)):
        with pytest.raises(Conflict) as refused:
            payment_start_online(actor=Actor(user=p.user), invoice=invoice, amount=DEPOSIT)
        assert refused.value.code == "hold_expired" and "invoice" in refused.value.fields
        deposits_void_lapsed()
        with pytest.raises(Conflict):
            payment_start_online(actor=Actor(user=p.user), invoice=invoice, amount=DEPOSIT)
    assert Payment.objects.count() == payments
    assert LedgerEntry.objects.count() == rows + 1  # the credit note of the lapse only


@pytest.mark.parametrize("voided_first", [True, False])
def test_a_payment_after_the_hold_lapsed_is_refunded_automatically(clinic, voided_first):
    p = cleared_patient()
    held = book_online(clinic, p)
    payment = waiting_payment(held)
    with time_machine.travel(after_hold(held)):
        if voided_first:
            deposits_void_lapsed()
        from billing.online import test_checkout_deliver

        test_checkout_deliver(payment, succeeded=True)
    held.refresh_from_db()
    assert held.status == Status.RELEASED and confirmations(held) == 0
    deposit = deposit_of(held)
    assert deposit.status == "refunded"
    refund = Refund.objects.get(payment=payment)
    assert refund.amount.amount == DEPOSIT and refund.to == "method"
    assert balance_of(p.pk).owed == 0 and balance_of(p.pk).credit == 0


def booked_and_paid(clinic, p, **when) -> Appointment:
    held = book_online(clinic, p, **when)
    pay(held)
    held.refresh_from_db()
    return held


def test_a_no_show_keeps_the_deposit_without_a_fee_and_undoing_gives_it_back(clinic):
    BillingPolicy.objects.create(no_show_fee=D("400.00"))
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    rows = LedgerEntry.objects.filter(patient_id=p.pk).count()
    with time_machine.travel(visit.start + timedelta(minutes=20)):
        appointment_mark_no_show(actor=desk(), appointment=visit)
        assert deposit_of(visit).status == "kept"
        assert not Refund.objects.exists() and not MissedSessionFee.objects.exists()
        assert LedgerEntry.objects.filter(patient_id=p.pk).count() == rows  # kept as paid
        appointment_undo_no_show(actor=desk(), appointment=visit)
    assert deposit_of(visit).status == "paid"


def test_a_cancel_inside_the_cutoff_keeps_the_deposit(clinic):
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    with time_machine.travel(visit.start - timedelta(hours=2)):
        appointment_cancel(actor=desk(), appointment=visit, reason="called late")
    assert deposit_of(visit).status == "kept" and not Refund.objects.exists()
    assert balance_of(p.pk).owed == 0


def test_the_clinic_cancelling_late_refunds_the_deposit(clinic):
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    closed = CancelReason.objects.get(code="clinic")
    with time_machine.travel(visit.start - timedelta(hours=2)):
        appointment_cancel(actor=desk(), appointment=visit, reason_id=closed.pk)
    assert deposit_of(visit).status == "refunded" and Refund.objects.get().to == "method"


def test_a_cancel_in_time_refunds_the_deposit_to_the_method(clinic):
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    appointment_cancel(actor=Actor(user=p.user), appointment=visit)
    deposit = deposit_of(visit)
    assert deposit.status == "refunded"
    assert Refund.objects.get().to == "method"
    assert Invoice.objects.filter(kind="credit_note", corrects=deposit.invoice).exists()
    assert balance_of(p.pk).owed == 0 and balance_of(p.pk).credit == 0


def test_a_cancel_in_time_refunds_to_credit_when_the_policy_says_so(clinic):
    BillingPolicy.objects.create(deposit_refund_to="credit")
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    appointment_cancel(actor=Actor(user=p.user), appointment=visit)
    assert Refund.objects.get().to == "credit"
    assert balance_of(p.pk).owed == 0 and balance_of(p.pk).credit == DEPOSIT


def test_checkout_counts_the_paid_deposit_against_the_price(clinic):
    p = cleared_patient()
    visit = booked_and_paid(clinic, p)
    Appointment.objects.filter(pk=visit.pk).update(status=Status.CHECKED_IN)
    with time_machine.travel(visit.start + timedelta(minutes=50)):
        result = checkout(actor=desk(), appointment_id=visit.pk, method="cash")
    assert result.invoice.total.amount == D("900.00")  # 1200 less the 300 paid
    assert "deposit paid" in result.invoice.lines.get().description
    assert result.payment.amount.amount == D("900.00")
    assert deposit_of(visit).status == "used"
    assert balance_of(p.pk).owed == 0


@pytest.mark.parametrize("minutes", [0, 1441])
def test_the_hold_minutes_outside_a_day_are_refused_by_the_form_check_and_the_database(minutes):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    with pytest.raises(ValidationError) as refused:
        BillingPolicy(deposit_hold_minutes=minutes).full_clean()
    assert "deposit_hold_minutes" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingPolicy.objects.create(deposit_hold_minutes=minutes)
