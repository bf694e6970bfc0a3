"""Fees for missed sessions (BillingPolicy): a no-show or a cancel inside the cutoff that
no package session paid for is invoiced the policy's fee, inside the transaction of the
status change (billing/receivers.py). Undoing a no-show credits the fee back."""

from __future__ import annotations

from django.utils.translation import gettext as _

from appointments.calendar import local_date
from appointments.models import Appointment
from billing.models import (
    Deposit,
    DepositStatus,
    LineKind,
    MissedSessionFee,
    Redemption,
    RedemptionReason,
)
from billing.policy import billing_policy
from billing.services.invoices import LineInput, credit_note_in, invoice_issue_in
from billing.services.ledger import lock_patient
from clinic.audit import Actor


def _actor(appointment: Appointment) -> Actor:
    from django.contrib.auth.models import AnonymousUser

    return Actor(user=appointment.status_changed_by or AnonymousUser())


def fee_charge(appointment: Appointment, reason: str) -> MissedSessionFee | None:
    policy = billing_policy()
    fee = policy.no_show_fee if reason == RedemptionReason.NO_SHOW else policy.late_cancel_fee
    if fee.amount <= 0 or Redemption.objects.filter(appointment=appointment).exists():
        return None
    if Deposit.objects.filter(appointment=appointment, status=DepositStatus.KEPT).exists():
        return None  # the kept deposit is what the missed visit costs
    if MissedSessionFee.objects.filter(appointment=appointment, credited=False).exists():
        return None
    what = _("No-show") if reason == RedemptionReason.NO_SHOW else _("Late cancellation")
    lock_patient(appointment.patient_id)
    line = LineInput(
        kind=LineKind.FEE,
        description=_("%(what)s fee: %(treatment)s on %(day)s")
        % {
            "what": what,
            "treatment": appointment.treatment.name,
            "day": local_date(appointment.start),
        },
        unit_price=fee.amount,
    )
    invoice = invoice_issue_in(_actor(appointment), patient_id=appointment.patient_id, lines=[line])
    return MissedSessionFee.objects.create(appointment=appointment, invoice=invoice, reason=reason)


def fee_credit(appointment: Appointment) -> None:
    """A no-show undone: its fee, if any, is corrected by a credit note."""
    found = MissedSessionFee.objects.filter(appointment=appointment, credited=False).first()
    if found is None:
        return
    lock_patient(appointment.patient_id)
    credit_note_in(
        _actor(appointment),
        invoice=found.invoice,
        amount=found.invoice.total.amount,
        reason=_("the no-show was undone"),
    )
    MissedSessionFee.objects.filter(pk=found.pk).update(credited=True)
