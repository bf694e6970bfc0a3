"""Packages bought online: usable once paid (`on_payment_settled`, on every settled
payment: billing.signals.payment_settled); not paid within PACKAGE_ONLINE_PAY_MINUTES,
housekeeping cancels them.
Their provider's page is closed first, so that no payment can land on a cancelled
package; one the patient paid meanwhile is left for its webhook to settle."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Package, PackageStatus, Payment, PaymentStatus
from billing.providers import ProviderError, provider
from billing.selectors import outstanding
from billing.services.invoices import credit_note_in
from billing.services.ledger import lock_patient
from clinic.audit import Actor, audit_record

log = logging.getLogger(__name__)


def _page_closed(payment: Payment) -> bool:
    try:
        return provider(payment.provider).cancel(payment)
    except ProviderError as exc:  # unreachable now: the next sweep tries again
        log.warning("billing.cancel_failed payment=%s error=%s", payment.pk, exc)
        return False


def _close_pending_payments(package: Package, now: datetime) -> bool:
    """Every pending payment on the package's invoice closed and declined, or False (and
    nothing changed) if one of them could not be closed."""
    pending = list(
        Payment.objects.select_for_update()
        .filter(invoice_id=package.invoice_id, status=PaymentStatus.PENDING)
        .order_by("pk")
    )
    if not all(_page_closed(payment) for payment in pending):
        return False
    Payment.objects.filter(pk__in=[p.pk for p in pending]).update(
        status=PaymentStatus.FAILED,
        failure_reason=_("Not paid in time: the package was cancelled."),
        settled_at=now,
    )
    return True


def package_cancel_unpaid(*, package_id: int, now: datetime) -> bool:
    """Cancel one package still awaiting its payment past `pay_by`: its pending payments
    declined, its invoice credited in full, the package cancelled. Idempotent: a package
    paid or cancelled meanwhile is left alone (the row is claimed under its lock)."""
    with transaction.atomic(durable=True):
        patient_id = Package.objects.filter(pk=package_id).values_list("patient_id", flat=True)
        if not patient_id:
            return False
        lock_patient(patient_id[0])  # the patient first, as every money write does
        package = Package.objects.select_for_update().select_related("invoice").get(pk=package_id)
        if package.status != PackageStatus.AWAITING_PAYMENT or package.pay_by > now:
            return False
        if not _close_pending_payments(package, now):
            return False
        _cancel(package)
        return True


def _cancel(package: Package) -> None:
    actor = Actor(user=AnonymousUser())
    left = outstanding(package.invoice)
    if left > 0:
        credit_note_in(
            actor, invoice=package.invoice, amount=left, reason=_("package not paid in time")
        )
    Package.objects.filter(pk=package.pk).update(status=PackageStatus.CANCELLED)
    audit_record(
        actor,
        action="package.cancel_unpaid",
        obj=package,
        patient_id=package.patient_id,
        invoice=package.invoice.number,
        credited=str(left),
    )


def on_payment_settled(sender: Any, *, payment: Payment, **kwargs: Any) -> None:
    package_activate_if_paid(payment.invoice_id)


def package_activate_if_paid(invoice_id: int) -> None:
    """A payment settled on `invoice_id` (inside its transaction, the patient locked): a
    package bought online on it becomes usable once nothing is left to pay."""
    waiting = (
        Package.objects.select_for_update()
        .select_related("invoice")
        .filter(invoice_id=invoice_id, status=PackageStatus.AWAITING_PAYMENT)
        .first()
    )
    if waiting is None or outstanding(waiting.invoice) > 0:
        return
    Package.objects.filter(pk=waiting.pk).update(status=PackageStatus.ACTIVE)
    audit_record(
        Actor(user=AnonymousUser()),
        action="package.paid",
        obj=waiting,
        patient_id=waiting.patient_id,
        invoice=waiting.invoice.number,
    )


def packages_cancel_unpaid(*, now: datetime | None = None) -> int:
    """The housekeeping sweep: each package past its `pay_by`, in a transaction of its
    own (one provider that cannot be reached holds up no other)."""
    now = now or timezone.now()
    due = Package.objects.filter(
        status=PackageStatus.AWAITING_PAYMENT, pay_by__lte=now
    ).values_list("pk", flat=True)
    return sum(package_cancel_unpaid(package_id=pk, now=now) for pk in list(due))
