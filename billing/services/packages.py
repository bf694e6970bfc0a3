"""Prepaid packages: sold at the desk, redeemed by sessions, unused sessions to credit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.calendar import local_date
from appointments.models import Appointment, Course
from appointments.services.courses import course_book
from billing.models import (
    EntryKind,
    Invoice,
    LineKind,
    Package,
    PackagePlan,
    PackageStatus,
    Payment,
    Redemption,
    RedemptionReason,
)
from billing.money import cents, check_currency
from billing.selectors import outstanding
from billing.services.invoices import LineInput, check_money_role, credit_note_in, invoice_issue_in
from billing.services.ledger import ledger_append, lock_patient
from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import patient_id_of


def _package_error(message: str, code: str, cls: type = Invalid) -> Exception:
    return cls(message, code=code, fields={"package": [message]})


def package_sell_in(
    actor: Actor, *, patient_id: int, plan: PackagePlan, pay_by: datetime | None = None
) -> Package:
    """Inside a transaction holding the patient's lock: the invoice and the package. With
    `pay_by` (bought online) it awaits its payment and no session is used before."""
    if not plan.active:
        raise Invalid(_("This package is no longer sold."), fields={"plan": [_("Not on sale.")]})
    invoice = invoice_issue_in(
        actor,
        patient_id=patient_id,
        lines=[
            LineInput(kind=LineKind.PACKAGE, description=plan.name, unit_price=plan.price.amount)
        ],
    )
    package = Package.objects.create(
        patient_id=patient_id,
        plan=plan,
        invoice=invoice,
        sessions_total=plan.sessions,
        price=plan.price,
        expires_on=local_date(timezone.now()) + timedelta(days=plan.valid_days),
        status=PackageStatus.ACTIVE if pay_by is None else PackageStatus.AWAITING_PAYMENT,
        pay_by=pay_by,
    )
    audit_record(
        actor,
        action="package.sell",
        obj=package,
        patient_id=patient_id,
        plan=plan.name,
        invoice=invoice.number,
    )
    return package


@transaction.atomic(durable=True)
def package_sell(
    *, actor: Actor, patient_id: int, plan: PackagePlan, currency_code: str | None = None
) -> Package:
    check_money_role(actor)
    check_currency(currency_code)
    lock_patient(patient_id)
    return package_sell_in(actor, patient_id=patient_id, plan=plan)


def _covers(package: Package, appointment: Appointment) -> bool:
    return package.plan.treatments.filter(pk=appointment.treatment_id).exists()


def _check_redeemable(package: Package, appointment: Appointment, on: date) -> None:
    if package.patient_id != appointment.patient_id:
        raise _package_error(_("This package belongs to another patient."), "wrong_patient")
    if package.status == PackageStatus.AWAITING_PAYMENT:
        message = _("This package is not paid yet: its sessions are used once it is paid.")
        raise _package_error(message, "package_unpaid", Conflict)
    if package.status == PackageStatus.CANCELLED:
        message = _("This package was cancelled: it was not paid in time.")
        raise _package_error(message, "package_closed", Conflict)
    if package.status != PackageStatus.ACTIVE:
        raise _package_error(_("This package was refunded."), "package_closed", Conflict)
    if package.expires_on < on:
        raise _package_error(
            _("This package expired on %s.") % package.expires_on.isoformat(), "package_expired"
        )
    if package.sessions_left <= 0:
        raise _package_error(_("No sessions are left in this package."), "package_empty", Conflict)
    if not _covers(package, appointment):
        raise _package_error(_("This package does not cover the treatment."), "not_covered")


def redeem_locked(package: Package, appointment: Appointment, reason: str) -> Redemption:
    """One session of the locked `package` for the appointment (checked first)."""
    _check_redeemable(package, appointment, local_date(appointment.start))
    if Redemption.objects.filter(appointment=appointment).exists():
        raise Conflict(
            _("This session was redeemed from a package already."),
            code="already_redeemed",
            fields={"appointment": [_("Redeemed already.")]},
        )
    Package.objects.filter(pk=package.pk).update(sessions_used=F("sessions_used") + 1)
    package.sessions_used += 1
    return Redemption.objects.create(package=package, appointment=appointment, reason=reason)


@transaction.atomic(durable=True)
def package_redeem(*, actor: Actor, package: Package, appointment: Appointment) -> Redemption:
    """At the desk: this session from this package. Two desks redeeming the last session
    at once: the second waits for the first's lock, then finds none left."""
    check_money_role(actor)
    package = Package.objects.select_for_update().select_related("plan").get(pk=package.pk)
    redemption = redeem_locked(package, appointment, RedemptionReason.DESK)
    audit_record(
        actor,
        action="package.redeem",
        obj=package,
        patient_id=package.patient_id,
        appointment=appointment.pk,
        left=package.sessions_left,
    )
    return redemption


def usable_package(appointment: Appointment) -> Package | None:
    """The patient's package that covers the session, soonest to expire first (locked)."""
    candidates = (
        Package.objects.select_for_update()
        .filter(
            patient_id=appointment.patient_id,
            status=PackageStatus.ACTIVE,
            expires_on__gte=local_date(appointment.start),
            sessions_used__lt=F("sessions_total"),
            plan__treatments=appointment.treatment_id,
        )
        .select_related("plan")
        .order_by("expires_on", "id")
    )
    return candidates.first()


def redeem_for(appointment: Appointment, reason: str) -> Redemption | None:
    """From the booking events, inside the appointment's transaction: the session uses
    one of a covering package, if the patient has one and it is not redeemed yet."""
    if Redemption.objects.filter(appointment=appointment).exists():
        return None
    package = usable_package(appointment)
    if package is None:
        return None
    redemption = redeem_locked(package, appointment, reason)
    audit_record(
        Actor(user=appointment.status_changed_by or _anonymous()),
        action="package.redeem",
        obj=package,
        patient_id=package.patient_id,
        appointment=appointment.pk,
        reason=reason,
        left=package.sessions_left,
    )
    return redemption


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def redemption_reverse(appointment: Appointment) -> None:
    """A no-show undone: the session it used goes back to the package."""
    found = Redemption.objects.filter(
        appointment=appointment, reason=RedemptionReason.NO_SHOW
    ).first()
    if found is None:
        return
    Package.objects.select_for_update().filter(pk=found.package_id).update(
        sessions_used=F("sessions_used") - 1
    )
    found.delete()


def unused_value(package: Package) -> Decimal:
    return cents(package.price.amount * package.sessions_left / package.sessions_total)


@transaction.atomic(durable=True)
def package_refund_unused(*, actor: Actor, package: Package, reason: str) -> Decimal:
    """Close the package; its unused sessions' share of the price goes to account credit
    (a credit note on the package's invoice, then that amount to credit)."""
    check_money_role(actor)
    lock_patient(package.patient_id)
    package = Package.objects.select_for_update().select_related("invoice").get(pk=package.pk)
    if package.status != PackageStatus.ACTIVE or package.sessions_left <= 0:
        raise _package_error(_("No unused sessions to refund."), "package_empty", Conflict)
    if outstanding(package.invoice) > 0:
        raise _package_error(_("The package is not paid in full."), "package_unpaid", Conflict)
    value = unused_value(package)
    note = credit_note_in(actor, invoice=package.invoice, amount=value, reason=reason)
    ledger_append(
        patient_id=package.patient_id,
        kind=EntryKind.PACKAGE_REFUND,
        owed_change=value,
        credit_change=value,
        invoice=note,
    )
    Package.objects.filter(pk=package.pk).update(status=PackageStatus.REFUNDED)
    audit_record(
        actor,
        action="package.refund_unused",
        obj=package,
        patient_id=package.patient_id,
        sessions=package.sessions_left,
        value=str(value),
    )
    return value


@transaction.atomic(durable=True)
def package_sell_paid(
    *, actor: Actor, patient_id: int, plan: PackagePlan, method: str | None
) -> Package:
    """The desk sells a package and, when a method is given, takes its whole price in the
    same transaction: a refused payment leaves no package and no invoice behind."""
    from billing.services.payments import payment_take_in  # payments imports this module

    check_money_role(actor)
    lock_patient(patient_id)
    package = package_sell_in(actor, patient_id=patient_id, plan=plan)
    if method:
        payment_take_in(actor, invoice=package.invoice, method=method, amount=package.price.amount)
    return package


@transaction.atomic(durable=True)
def course_book_with_package(*, actor: Actor, plan: PackagePlan, **course: Any) -> Course:
    """The course wizard's one step: book every session of the course and sell its
    package, or neither (a clash in any session, or a plan that no longer sells, undoes
    both). The patient's row is locked first, as every money write does."""
    check_money_role(actor)
    patient = course["patient"]
    lock_patient(patient.pk)
    if not plan.treatments.filter(pk=course["treatment"].pk).exists():
        message = _("This package does not cover the course's treatment.")
        raise Invalid(message, code="package_treatment", fields={"package": [message]})
    booked = course_book(actor=actor, **course)
    package_sell_in(actor, patient_id=patient.pk, plan=plan)
    return booked


@transaction.atomic(durable=True)
def package_buy_online(*, actor: Actor, plan: PackagePlan) -> Payment:
    """A patient buys a package online: its invoice, the package and a pending online
    payment of its price, together; the provider's webhook settles the payment, and only
    then is the package usable. A declined card leaves the invoice open, to pay again from
    the patient's page until PACKAGE_ONLINE_PAY_MINUTES have passed; housekeeping then
    cancels the package (billing.services.unpaid_packages)."""
    from billing.services.payments import payment_start_online_in  # imports this module

    patient_id = patient_id_of(actor.user)
    if patient_id is None:
        raise Forbidden(_("Packages are bought online by patients."), code="forbidden")
    lock_patient(patient_id)
    pay_by = timezone.now() + timedelta(minutes=settings.PACKAGE_ONLINE_PAY_MINUTES)
    package = package_sell_in(actor, patient_id=patient_id, plan=plan, pay_by=pay_by)
    invoice = Invoice.objects.select_for_update().get(pk=package.invoice_id)
    payment, _intent = payment_start_online_in(actor, invoice=invoice, amount=plan.price.amount)
    return payment
