"""Checkout at the desk after a session: complete it, use a package session, invoice the
rest, take the payment and queue the receipt, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment, Status
from appointments.services.status import appointment_complete
from billing.models import (
    Deposit,
    DepositStatus,
    Invoice,
    InvoiceKind,
    LineKind,
    Package,
    Payment,
    Redemption,
)
from billing.money import check_currency
from billing.receipts import receipt_queue
from billing.services.deposits import deposit_for_checkout, deposit_settle_at_checkout
from billing.services.invoices import LineInput, check_money_role, invoice_issue_in
from billing.services.ledger import ZERO, ledger_batch
from billing.services.packages import redeem_locked
from billing.services.payments import payment_take_in
from clinic.audit import Actor, audit_batch
from clinic.errors import Conflict, Invalid
from patients.models import Patient


@dataclass(frozen=True)
class CheckoutResult:
    invoice: Invoice
    payment: Payment | None
    redemption: Redemption | None
    receipt_queued: bool


def _lock_patient_of(appointment_id: int) -> Patient:
    """The visit's patient, locked (every money write of a patient holds that lock): one
    statement, the appointment found inside it."""
    visit = Appointment.objects.filter(pk=appointment_id).order_by().values("patient_id")
    # What the receipt needs (checkout reads nothing else of the patient).
    found = Patient.objects.select_for_update().only("pk", "email")
    try:
        return found.get(pk=Subquery(visit))
    except Patient.DoesNotExist:
        raise Invalid(_("No such appointment."), fields={"appointment": [_("Unknown.")]}) from None


def _visit(appointment_id: int) -> Appointment:
    """The appointment with its treatment and what checkout needs to know of it, in one
    query made under the patient's lock (so it sees every earlier checkout committed)."""
    of_visit = {"appointment": OuterRef("pk")}
    return (
        Appointment.objects.select_related("treatment")
        # What checkout reads (completing a checked-in visit reads the row afresh, locked).
        .only("patient_id", "start", "status", "treatment__name", "treatment__price")
        .annotate(
            invoiced=Exists(Invoice.objects.filter(kind=InvoiceKind.INVOICE, **of_visit)),
            redeemed=Exists(Redemption.objects.filter(**of_visit)),
            deposit_paid=Exists(Deposit.objects.filter(status=DepositStatus.PAID, **of_visit)),
        )
        .get(pk=appointment_id)
    )


def _ready(visit: Appointment, actor: Actor) -> Appointment:
    if visit.invoiced:
        raise Conflict(
            _("This session is checked out already."),
            code="already_checked_out",
            fields={"appointment": [_("Invoiced already.")]},
        )
    if visit.status == Status.CHECKED_IN:
        appointment = appointment_complete(actor=actor, appointment=visit)
        # Completing may have used a package session (billing.receivers).
        appointment.redeemed = Redemption.objects.filter(appointment=appointment).exists()
        appointment.deposit_paid = visit.deposit_paid
        return appointment
    if visit.status != Status.COMPLETED:
        raise Conflict(
            _("Checkout follows a session: check the patient in first."),
            code="not_checked_in",
            fields={"appointment": [_("This session has not taken place.")]},
        )
    return visit


def _redeem(appointment: Appointment, package_id: int | None) -> Redemption | None:
    if appointment.redeemed:
        return Redemption.objects.select_related("package__plan").get(appointment=appointment)
    if package_id is None:
        return None
    package = Package.objects.select_for_update().select_related("plan").filter(pk=package_id)
    if not package.exists():
        raise Invalid(_("No such package."), fields={"package": [_("No such package.")]})
    return redeem_locked(package.get(), appointment, "desk")


def _session_line(
    appointment: Appointment, redemption: Redemption | None, deposit: Deposit | None
) -> LineInput:
    price = appointment.treatment.price
    prepaid = price if redemption is not None else ZERO
    description = appointment.treatment.name
    if redemption is not None:
        description = _("%(treatment)s (prepaid: %(package)s)") % {
            "treatment": description,
            "package": redemption.package.plan.name,
        }
    elif deposit is not None:
        # The deposit's own invoice was paid: only the rest of the price is owed now.
        prepaid = min(price, deposit.amount.amount)
        description = _("%(treatment)s (deposit paid: %(number)s)") % {
            "treatment": description,
            "number": deposit.invoice.number,
        }
    return LineInput(
        kind=LineKind.TREATMENT,
        description=description,
        unit_price=price,
        discount=prepaid,
        treatment_id=appointment.treatment_id,
    )


@transaction.atomic(durable=True)
def checkout(
    *,
    actor: Actor,
    appointment_id: int,
    method: str | None = None,
    amount: Decimal | None = None,
    package_id: int | None = None,
    extra_lines: Sequence[LineInput] = (),
    email_receipt: bool = True,
    currency_code: str | None = None,
) -> CheckoutResult:
    """`amount` defaults to the whole total; less is a partial payment, the rest stays
    owed. No `method`: nothing paid now (the invoice stays open)."""
    check_money_role(actor)
    check_currency(currency_code)
    patient = _lock_patient_of(appointment_id)
    appointment = _ready(_visit(appointment_id), actor)
    redemption = _redeem(appointment, package_id)
    deposit = deposit_for_checkout(appointment) if appointment.deposit_paid else None
    lines = [_session_line(appointment, redemption, deposit), *extra_lines]
    # The ledger's rows and then the audit rows are written last, each kind together: the
    # audit chain's lock, like the invoice counter's, is held from then to the commit.
    with audit_batch(), ledger_batch():
        invoice = invoice_issue_in(
            actor, patient_id=patient.pk, lines=lines, appointment_id=appointment.pk
        )
        if deposit is not None:
            deposit_settle_at_checkout(
                deposit, package_paid=redemption is not None, now=timezone.now()
            )
        payment = _pay(actor, invoice, method, amount)
        queued = email_receipt and receipt_queue(invoice=invoice, patient=patient)
    return CheckoutResult(invoice, payment, redemption, queued)


def _pay(
    actor: Actor, invoice: Invoice, method: str | None, amount: Decimal | None
) -> Payment | None:
    total = invoice.total.amount
    if method is None or total == 0:
        if amount:
            raise Invalid(
                _("Nothing to pay on this visit."), fields={"amount": [_("Leave it out.")]}
            )
        return None
    return payment_take_in(
        actor, invoice=invoice, method=method, amount=amount or total, fresh=True
    )
