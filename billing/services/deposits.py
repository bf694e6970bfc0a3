"""Deposits of online bookings (the treatment's deposit rule, BillingPolicy).

A patient's own booking of a treatment with a deposit is a hold (appointments'
services/prepayment.py) until the deposit is paid: in the booking's transaction its
invoice is issued and an online payment started. The payment going through (the
provider's signed webhook, or the desk taking it) turns the hold into the booking, whose
confirmation goes out then. What becomes of a deposit afterwards:

- the hold lapses unpaid: the beat task credits its invoice in full (the ledger nets to
  zero) and releases the hold if the holds task has not yet;
- a payment arriving after the hold lapsed is refunded to the method at once. We refund
  rather than book the time even when it is still free: the patient was told the time
  lapsed, the slot may be promised to the waitlist meanwhile, and a webhook is no place to
  run the booking rules again (hours, clearance) on the patient's behalf;
- checkout counts a paid deposit against the visit's price (or, when a package pays for
  the session, puts it on the patient's account credit);
- a no-show or a cancel inside the cutoff keeps it (no refund, and no missed-session fee
  on top); a cancel in time refunds it, to the method or to credit (BillingPolicy).

Lock order as everywhere in billing: the patient, the appointment, invoices and payments.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.calendar import calendar_config, local_date, zone
from appointments.models import Appointment, Status
from appointments.services import hold_confirm, hold_release
from appointments.services.prepayment import PrepaymentDue, PrepaymentPaid, PrepaymentQuote
from billing.models import (
    Deposit,
    DepositStatus,
    LineKind,
    Payment,
    PaymentStatus,
    RefundTo,
)
from billing.money import currency
from billing.policy import billing_policy
from billing.selectors import deposit_of, deposit_payable, packages_covering, refunded_total
from billing.services.invoices import LineInput, credit_note_in, invoice_issue_in
from billing.services.ledger import lock_patient
from billing.services.payments import payment_start_online_in, refund_in
from clinic.audit import Actor, audit_record
from clinic.errors import Conflict
from patients.models import Patient
from treatments.models import Treatment

# A visit: an appointment that was not cancelled, released or still waiting for its deposit.
VISIT_STATUSES = (Status.BOOKED, Status.CHECKED_IN, Status.COMPLETED, Status.NO_SHOW)


def deposit_amount_for(patient: Patient, treatment: Treatment) -> Decimal:
    """What an online booking of `treatment` by `patient` must pay first (0: nothing). A
    first-visit-only rule asks nothing of a patient with any visit; a package that covers
    the treatment has paid for the session already."""
    amount = treatment.deposit
    if amount <= 0:
        return Decimal("0.00")
    visited = Appointment.objects.filter(patient=patient, status__in=VISIT_STATUSES)
    if treatment.deposit_first_visit_only and visited.exists():
        return Decimal("0.00")
    if packages_covering(patient.pk, treatment.pk, local_date(timezone.now())).exists():
        return Decimal("0.00")
    return amount


def _system() -> Actor:
    return Actor(user=AnonymousUser())


def _actor_of(appointment: Appointment) -> Actor:
    return Actor(user=appointment.booked_by or AnonymousUser())


def payment_page_url(payment: Payment) -> str:
    """Where the patient confirms the payment: the test provider's hosted page, or the
    result page (which waits for the real provider's webhook)."""
    if payment.provider == "test":
        return reverse("billing:test-checkout", args=[payment.pk])
    return reverse("billing:payment", args=[payment.pk])


def _deposit_line(appointment: Appointment, amount: Decimal) -> LineInput:
    when = timezone.localtime(appointment.start, zone())
    return LineInput(
        kind=LineKind.TREATMENT,
        description=_("Deposit: %(treatment)s on %(when)s")
        % {"treatment": _(appointment.treatment.name), "when": when.strftime("%Y-%m-%d %H:%M")},
        unit_price=amount,
        treatment_id=appointment.treatment_id,
    )


def deposit_open(*, appointment: Appointment, now: datetime) -> PrepaymentDue:
    """In the booking's transaction: the deposit's invoice, the row, and the online
    payment started with the provider (a provider refusal undoes the booking too)."""
    amount = deposit_amount_for(appointment.patient, appointment.treatment)
    if amount <= 0:  # the rule changed between the quote and this transaction
        raise Conflict(
            _("The deposit for this treatment has just changed: please book again."),
            code="deposit_changed",
        )
    actor = _actor_of(appointment)
    lock_patient(appointment.patient_id)
    invoice = invoice_issue_in(
        actor, patient_id=appointment.patient_id, lines=[_deposit_line(appointment, amount)]
    )
    deposit = Deposit.objects.create(
        appointment=appointment, patient_id=appointment.patient_id, invoice=invoice, amount=amount
    )
    payment, intent = payment_start_online_in(actor, invoice=invoice, amount=amount)
    audit_record(
        actor,
        action="deposit.open",
        obj=deposit,
        patient_id=appointment.patient_id,
        appointment=appointment.pk,
        invoice=invoice.number,
        amount=str(amount),
    )
    return _due(deposit, appointment, payment, intent.client_secret)


def _due(
    deposit: Deposit, appointment: Appointment, payment: Payment | None, secret: str = ""
) -> PrepaymentDue:
    return PrepaymentDue(
        invoice_id=deposit.invoice_id,
        invoice_number=deposit.invoice.number,
        amount=deposit.amount.amount,
        currency=currency(),
        held_until=appointment.held_until,
        payment_id=payment.pk if payment else None,
        provider=payment.provider if payment else "",
        client_secret=secret,
        # No payment waiting (the last was declined): the money page's "Pay" starts one.
        pay_url=payment_page_url(payment) if payment else reverse("billing:mine"),
    )


def deposit_due(appointment: Appointment) -> PrepaymentDue | None:
    """The deposit still to pay on a live hold, with its waiting payment if any."""
    deposit = deposit_payable(appointment.pk, timezone.now())
    if deposit is None:
        return None
    waiting = deposit.invoice.payments.filter(status=PaymentStatus.PENDING).last()
    return _due(deposit, deposit.appointment, waiting)


class DepositTaker:
    """What appointments' prepayment hook calls (registered in BillingConfig.ready)."""

    def quote(
        self, *, patient: Patient, treatment: Treatment, now: datetime
    ) -> PrepaymentQuote | None:
        amount = deposit_amount_for(patient, treatment)
        if amount <= 0:
            return None
        return PrepaymentQuote(amount, currency(), billing_policy().deposit_hold_minutes)

    def open(self, *, appointment: Appointment, now: datetime) -> PrepaymentDue:
        return deposit_open(appointment=appointment, now=now)

    def due_for(self, appointment: Appointment) -> PrepaymentDue | None:
        return deposit_due(appointment)

    def paid_for(self, appointment: Appointment, now: datetime) -> PrepaymentPaid | None:
        found = deposit_of(appointment.pk)
        if found is None or found.status != DepositStatus.PAID:
            return None
        cutoff = timedelta(hours=calendar_config().policy.patient_cancel_cutoff_hours)
        return PrepaymentPaid(
            amount=found.amount.amount,
            currency=currency(),
            refunded_on_cancel=appointment.start - now >= cutoff,
            to_credit=billing_policy().deposit_refund_to == RefundTo.CREDIT,
        )


def _live(held: Appointment, now: datetime) -> bool:
    return held.status == Status.HELD and held.held_until is not None and held.held_until > now


def _locked_deposit(**filters: Any) -> Deposit | None:
    return (
        Deposit.objects.select_for_update(of=("self",))
        .select_related("appointment", "invoice")
        .filter(**filters)
        .first()
    )


def _close(deposit: Deposit, status: str, now: datetime, actor: Actor, **detail: Any) -> None:
    deposit.status = status
    deposit.closed_at = now if status not in (DepositStatus.AWAITING, DepositStatus.PAID) else None
    deposit.save(update_fields=["status", "closed_at"])
    audit_record(
        actor,
        action=f"deposit.{status}",
        obj=deposit,
        patient_id=deposit.patient_id,
        appointment=deposit.appointment_id,
        amount=str(deposit.amount.amount),
        **detail,
    )


def on_payment_settled(sender: Any, *, payment: Payment, now: datetime, **kwargs: Any) -> None:
    """A payment of a deposit's invoice went through (billing.signals.payment_settled, in
    its transaction, the patient locked): the hold becomes the booking, or, lapsed, the
    money goes back."""
    deposit = _locked_deposit(invoice_id=payment.invoice_id)
    if deposit is None or deposit.status not in (DepositStatus.AWAITING, DepositStatus.LAPSED):
        return
    held = deposit.appointment
    if deposit.status == DepositStatus.AWAITING and _live(held, now):
        hold_confirm(appointment=held, now=now)  # its confirmation is queued here
        _close(deposit, DepositStatus.PAID, now, _system(), payment=payment.pk)
        return
    if deposit.status == DepositStatus.AWAITING:
        _void_in(deposit, now)
    refund_in(
        _system(),
        payment=payment,
        amount=payment.amount.amount,
        to=RefundTo.METHOD,
        reason=_("The deposit arrived after the time held for it had lapsed."),
    )
    _close(deposit, DepositStatus.REFUNDED, now, _system(), payment=payment.pk, late=True)


def _void_in(deposit: Deposit, now: datetime) -> None:
    """The hold lapsed unpaid: released (if the holds task has not yet) and the invoice
    credited in full, so the patient owes nothing for it."""
    hold_release(appointment=deposit.appointment, now=now)
    credit_note_in(
        _system(),
        invoice=deposit.invoice,
        amount=deposit.invoice.total.amount,
        reason=_("the time held for the deposit lapsed"),
    )
    _close(deposit, DepositStatus.LAPSED, now, _system())


def deposits_void_lapsed(*, now: datetime | None = None) -> int:
    """The housekeeping sweep: every unpaid deposit whose hold has lapsed or was released,
    each in its own transaction. Twice does no harm (a voided deposit is not awaiting)."""
    now = now or timezone.now()
    lapsed = Deposit.objects.filter(status=DepositStatus.AWAITING).exclude(
        appointment__status=Status.HELD, appointment__held_until__gt=now
    )
    voided = 0
    for deposit_id, patient_id in lapsed.values_list("pk", "patient_id"):
        with transaction.atomic(durable=True):
            lock_patient(patient_id)
            deposit = _locked_deposit(pk=deposit_id, status=DepositStatus.AWAITING)
            if deposit is not None and not _live(deposit.appointment, now):
                _void_in(deposit, now)
                voided += 1
    return voided


def _refund_all_in(deposit: Deposit, to: str, reason: str) -> None:
    for payment in deposit.invoice.payments.select_for_update().filter(
        status=PaymentStatus.SUCCEEDED
    ):
        left = payment.amount.amount - refunded_total(payment)
        if left > 0:
            refund_in(_system(), payment=payment, amount=left, to=to, reason=reason)


def deposit_refund_in(deposit: Deposit, *, to: str, reason: str, now: datetime) -> None:
    """Give a paid deposit back (to the method or to credit) and credit its invoice, so the
    ledger ends where it began (or with the amount as account credit)."""
    _refund_all_in(deposit, to, reason)
    credit_note_in(_system(), invoice=deposit.invoice, amount=deposit.amount.amount, reason=reason)
    _close(deposit, DepositStatus.REFUNDED, now, _system(), to=to)


def deposit_on_cancel(appointment: Appointment, *, late: bool, now: datetime) -> None:
    """A booked visit cancelled (the cancel's transaction): inside the cutoff the clinic
    keeps the deposit; in time it goes back as BillingPolicy says."""
    lock_patient(appointment.patient_id)
    deposit = _locked_deposit(appointment=appointment, status=DepositStatus.PAID)
    if deposit is None:
        return
    if late:
        _close(deposit, DepositStatus.KEPT, now, _system(), reason="late_cancel")
        return
    deposit_refund_in(
        deposit,
        to=billing_policy().deposit_refund_to,
        reason=_("the visit was cancelled in time"),
        now=now,
    )


def deposit_on_no_show(appointment: Appointment, *, now: datetime) -> None:
    lock_patient(appointment.patient_id)
    deposit = _locked_deposit(appointment=appointment, status=DepositStatus.PAID)
    if deposit is not None:
        _close(deposit, DepositStatus.KEPT, now, _system(), reason="no_show")


def deposit_on_no_show_undone(appointment: Appointment, *, now: datetime) -> None:
    """The patient came after all: the deposit counts at checkout again."""
    lock_patient(appointment.patient_id)
    deposit = _locked_deposit(appointment=appointment, status=DepositStatus.KEPT)
    if deposit is not None:
        _close(deposit, DepositStatus.PAID, now, _system(), reason="no_show_undone")


def deposit_for_checkout(appointment: Appointment) -> Deposit | None:
    """The visit's paid deposit, locked (checkout holds the patient's lock)."""
    return _locked_deposit(appointment=appointment, status=DepositStatus.PAID)


def deposit_settle_at_checkout(deposit: Deposit, *, package_paid: bool, now: datetime) -> None:
    """Counted against the visit's price; when a package paid for the session instead, the
    deposit goes to the patient's account credit."""
    if package_paid:
        deposit_refund_in(
            deposit,
            to=RefundTo.CREDIT,
            reason=_("the session was paid by a package"),
            now=now,
        )
        return
    _close(deposit, DepositStatus.USED, now, _system())
