"""Checkout at the desk after a session: complete it, use a package session, invoice the
rest, take the payment and queue the receipt, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment, Status
from appointments.services.status import appointment_complete
from billing.models import Deposit, Invoice, LineKind, Package, Payment, Redemption
from billing.money import check_currency
from billing.receipts import receipt_queue
from billing.services.deposits import deposit_for_checkout, deposit_settle_at_checkout
from billing.services.invoices import LineInput, check_money_role, invoice_issue_in
from billing.services.ledger import ZERO, lock_patient
from billing.services.packages import redeem_locked
from billing.services.payments import payment_take_in
from clinic.audit import Actor, audit_batch
from clinic.errors import Conflict, Invalid


@dataclass(frozen=True)
class CheckoutResult:
    invoice: Invoice
    payment: Payment | None
    redemption: Redemption | None
    receipt_queued: bool


def _ready(appointment_id: int, actor: Actor) -> Appointment:
    appointment = Appointment.objects.select_related("treatment").get(pk=appointment_id)
    if appointment.status == Status.CHECKED_IN:
        appointment = appointment_complete(actor=actor, appointment=appointment)
    elif appointment.status != Status.COMPLETED:
        raise Conflict(
            _("Checkout follows a session: check the patient in first."),
            code="not_checked_in",
            fields={"appointment": [_("This session has not taken place.")]},
        )
    return appointment


def _redeem(appointment: Appointment, package_id: int | None) -> Redemption | None:
    found = (
        Redemption.objects.filter(appointment=appointment).select_related("package__plan").first()
    )
    if found is not None or package_id is None:
        return found
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
    patient = lock_patient(_patient_of(appointment_id))
    appointment = _ready(appointment_id, actor)
    redemption = _redeem(appointment, package_id)
    deposit = deposit_for_checkout(appointment)
    lines = [_session_line(appointment, redemption, deposit), *extra_lines]
    if Invoice.objects.filter(appointment=appointment, kind="invoice").exists():
        raise Conflict(
            _("This session is checked out already."),
            code="already_checked_out",
            fields={"appointment": [_("Invoiced already.")]},
        )
    # The audit rows are written last, together: the chain's lock, like the invoice
    # counter's, is held from then to the commit (clinic.audit.audit_batch).
    with audit_batch():
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


def _patient_of(appointment_id: int) -> int:
    found = Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True)
    patient_id = found.first()
    if patient_id is None:
        raise Invalid(_("No such appointment."), fields={"appointment": [_("Unknown.")]})
    return patient_id


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
    return payment_take_in(actor, invoice=invoice, method=method, amount=amount or total)
