"""Payments (cash, card terminal, bank transfer, account credit, online) and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    Deposit,
    DepositStatus,
    EntryKind,
    Invoice,
    InvoiceKind,
    Method,
    Payment,
    PaymentStatus,
    Refund,
    RefundTo,
)
from billing.money import check_currency, check_positive, money
from billing.policy import billing_policy
from billing.providers import PaymentIntent, ProviderError, ReturnUrls, provider
from billing.selectors import left_to_pay, refunded_total
from billing.services.invoices import check_money_role
from billing.services.ledger import ZERO, ledger_append, ledger_tail, lock_patient
from billing.signals import payment_settled
from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Action, can
from clinic.rows import insert_rows


def _provider_call(call):
    """The provider's answer, or a 409 saying it refused (the transaction rolls back)."""
    try:
        return call()
    except ProviderError as exc:
        raise Conflict(
            _("The payment provider refused: %s") % exc, code="provider_refused"
        ) from exc


def _check_deposit_live(invoice: Invoice) -> None:
    """A deposit is paid only while its booking's time is held (after that its invoice is
    credited, and a payment would buy nothing)."""
    found = Deposit.objects.filter(invoice=invoice).select_related("appointment").first()
    if found is None or found.status not in (DepositStatus.AWAITING, DepositStatus.LAPSED):
        return
    held = found.appointment
    if (
        found.status == DepositStatus.LAPSED
        or held.held_until is None
        or (held.held_until <= timezone.now())
    ):
        message = _("The time held for this deposit has lapsed: please book again.")
        raise Conflict(message, code="hold_expired", fields={"invoice": [message]})


def _check_payable(invoice: Invoice, amount: Decimal, *, fresh: bool = False) -> None:
    if invoice.kind != InvoiceKind.INVOICE:
        raise Invalid(_("A credit note is not paid."), fields={"invoice": [_("Not an invoice.")]})
    if fresh:  # issued in this transaction by the caller: nothing paid on it, no deposit's
        left = invoice.total.amount
    else:
        _check_deposit_live(invoice)
        left = left_to_pay(invoice)
    if left <= 0:
        raise Conflict(
            _("Invoice %s is paid already.") % invoice.number,
            code="already_paid",
            fields={"invoice": [_("This invoice is paid.")]},
        )
    if amount > left:
        raise Invalid(
            _("Only %(left)s is left to pay on invoice %(number)s.")
            % {"left": left, "number": invoice.number},
            code="amount_above_outstanding",
            fields={"amount": [_("At most %s.") % left]},
        )


def _check_credit(patient_id: int, amount: Decimal) -> None:
    tail = ledger_tail(patient_id)
    available = tail.credit_after if tail else ZERO
    if amount > available:
        raise Invalid(
            _("The patient has %(credit)s of account credit.") % {"credit": available},
            code="credit_too_low",
            fields={"amount": [_("At most %s from credit.") % available]},
        )


def _record_settled(payment: Payment, *, announce: bool = True) -> None:
    credit_change = -payment.amount.amount if payment.method == Method.CREDIT else ZERO
    ledger_append(
        patient_id=payment.patient_id,
        kind=EntryKind.PAYMENT,
        owed_change=-payment.amount.amount,
        credit_change=credit_change,
        invoice_id=payment.invoice_id,
        payment=payment,
    )
    if announce:
        payment_settled.send(Payment, payment=payment, now=timezone.now())


def payment_take_in(
    actor: Actor,
    *,
    invoice: Invoice,
    method: str,
    amount: Decimal,
    reference: str = "",
    fresh: bool = False,
) -> Payment:
    """At the desk (any method but online), inside the caller's transaction and locks.

    `fresh`: the caller issued `invoice` in this same transaction for itself (checkout),
    so nothing is paid on it yet and nothing waits on its payment (a deposit or a package
    bought online issues its own invoice): what is left is its total, and the
    `payment_settled` listeners have nothing to do."""
    check_positive(amount)
    if method == Method.ONLINE:
        raise Invalid(
            _("Online payments start from the patient's page or the API."),
            fields={"method": [_("Not taken at the desk.")]},
        )
    _check_payable(invoice, amount, fresh=fresh)
    if method == Method.CREDIT:
        _check_credit(invoice.patient_id, amount)
    payment = Payment(
        invoice=invoice,
        patient_id=invoice.patient_id,
        method=method,
        amount=money(amount),
        reference=reference,
        settled_at=timezone.now(),
        taken_by=actor.user if actor.user.is_authenticated else None,
    )
    insert_rows([payment])  # Payment.objects.create(), leaner: clinic.rows
    _record_settled(payment, announce=not fresh)
    audit_record(
        actor,
        action="payment.take",
        obj=payment,
        patient_id=payment.patient_id,
        invoice=invoice.number,
        method=method,
        amount=str(amount),
    )
    return payment


def _locked_invoice(invoice: Invoice) -> Invoice:
    lock_patient(invoice.patient_id)
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


@transaction.atomic(durable=True)
def payment_take(
    *,
    actor: Actor,
    invoice: Invoice,
    method: str,
    amount: Decimal,
    reference: str = "",
    currency_code: str | None = None,
) -> Payment:
    check_money_role(actor)
    check_currency(currency_code)
    invoice = _locked_invoice(invoice)
    return payment_take_in(
        actor, invoice=invoice, method=method, amount=amount, reference=reference
    )


@transaction.atomic(durable=True)
def payment_start_online(
    *, actor: Actor, invoice: Invoice, amount: Decimal, currency_code: str | None = None
) -> tuple[Payment, PaymentIntent]:
    """A pending online payment and the provider's intent; the webhook settles it."""
    if not can(actor.user, Action.BILLING_VIEW, invoice):
        raise Forbidden(_("Not your invoice."), code="forbidden")
    check_currency(currency_code)
    check_positive(amount)
    return payment_start_online_in(actor, invoice=_locked_invoice(invoice), amount=amount)


def payment_start_online_in(
    actor: Actor, *, invoice: Invoice, amount: Decimal
) -> tuple[Payment, PaymentIntent]:
    """Inside the caller's transaction, holding the patient's and the invoice's locks."""
    _check_payable(invoice, amount)
    payment = Payment.objects.create(
        invoice=invoice,
        patient_id=invoice.patient_id,
        method=Method.ONLINE,
        amount=money(amount),
        status=PaymentStatus.PENDING,
        provider=provider().name,
        taken_by=actor.user if actor.user.is_authenticated else None,
    )
    intent = _provider_call(lambda: provider().start(payment, back=_return_urls(payment)))
    payment.provider_ref, payment.checkout_url = intent.reference, intent.redirect_url
    payment.save(update_fields=["provider_ref", "checkout_url"])
    audit_record(
        actor,
        action="payment.online_start",
        obj=payment,
        patient_id=payment.patient_id,
        invoice=invoice.number,
        amount=str(amount),
        reference=intent.reference,
    )
    return payment, intent


def _return_urls(payment: Payment) -> ReturnUrls:
    """The patient comes back to the payment's own page, which shows what the webhook
    settled (never what the redirect claims)."""
    page = settings.CLINIC_BASE_URL.rstrip("/") + reverse("billing:payment", args=[payment.pk])
    return ReturnUrls(success=page, cancel=f"{page}?cancelled=1")


@transaction.atomic(durable=True)
def payment_settle(
    *, provider_name: str, reference: str, succeeded: bool, reason: str = ""
) -> Payment | None:
    """The provider's word on a pending payment (from its signed webhook). Idempotent: a
    payment settled already is left as it is (providers send events more than once)."""
    found = Payment.objects.filter(provider=provider_name, provider_ref=reference).first()
    if found is None:
        return None
    lock_patient(found.patient_id)
    payment = Payment.objects.select_for_update().get(pk=found.pk)
    if payment.status != PaymentStatus.PENDING:
        return payment
    payment.status = PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED
    payment.failure_reason = "" if succeeded else reason[:300]
    payment.settled_at = timezone.now()
    payment.save(update_fields=["status", "failure_reason", "settled_at"])
    if succeeded:
        _record_settled(payment)
    audit_record(
        Actor(user=_nobody()),
        action=f"payment.online_{payment.status}",
        obj=payment,
        patient_id=payment.patient_id,
        reference=reference,
        reason=reason[:300],
    )
    return payment


def _nobody():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _check_refund(actor: Actor, payment: Payment, amount: Decimal) -> None:
    check_positive(amount)
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Conflict(
            _("Only a payment that went through is refunded."),
            code="not_paid",
            fields={"payment": [_("This payment did not go through.")]},
        )
    left = payment.amount.amount - refunded_total(payment)
    if amount > left:
        raise Invalid(
            _("At most %(left)s of this payment is left to refund.") % {"left": left},
            code="refund_above_paid",
            fields={"amount": [_("At most %s.") % left]},
        )
    limit = billing_policy().reception_refund_limit.amount
    if amount > limit and not can(actor.user, Action.BILLING_REFUND_ANY):
        raise Forbidden(
            _("Refunds above %(limit)s are made by the manager.") % {"limit": limit},
            code="refund_above_limit",
            fields={"amount": [_("At most %s for reception.") % limit]},
        )


@transaction.atomic(durable=True)
def refund_make(
    *,
    actor: Actor,
    payment: Payment,
    amount: Decimal,
    to: str,
    reason: str,
    currency_code: str | None = None,
) -> Refund:
    """Money back: to the method it came by, or to the patient's account credit. An
    account-credit payment refunds to credit only (the money never left the clinic)."""
    check_money_role(actor)
    check_currency(currency_code)
    lock_patient(payment.patient_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_refund(actor, payment, amount)
    return refund_in(actor, payment=payment, amount=amount, to=to, reason=reason)


def refund_in(actor: Actor, *, payment: Payment, amount: Decimal, to: str, reason: str) -> Refund:
    """The refund itself, inside the caller's transaction holding the patient's and the
    payment's locks, the checks made (the clinic's own refunds, such as a deposit given
    back, are not limited by the reception's limit)."""
    to = RefundTo.CREDIT if payment.method == Method.CREDIT else to
    if payment.method == Method.ONLINE and to == RefundTo.METHOD:
        _provider_call(lambda: provider().refund(payment, amount))
    refund = Refund.objects.create(
        payment=payment,
        amount=money(amount),
        to=to,
        reason=reason[:300],
        made_by=actor.user if actor.user.is_authenticated else None,
    )
    _record_refund(refund, payment, amount, to)
    audit_record(
        actor,
        action="refund.make",
        obj=refund,
        patient_id=payment.patient_id,
        payment=payment.pk,
        amount=str(amount),
        to=to,
        reason=reason[:300],
    )
    return refund


def _record_refund(refund: Refund, payment: Payment, amount: Decimal, to: str) -> None:
    """What the patient owes goes back up; a refund to credit also adds to their credit."""
    ledger_append(
        patient_id=payment.patient_id,
        kind=EntryKind.REFUND,
        owed_change=amount,
        credit_change=amount if to == RefundTo.CREDIT else ZERO,
        invoice_id=payment.invoice_id,
        payment=payment,
        refund=refund,
    )
