"""Reads of money that pages and the API share, scoped to who asks: a patient sees their
own, reception and the manager everyone's, a dermatologist nothing (404 on a getter,
403 at the door: clinic.roles.Action.BILLING_VIEW)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, F, Func, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from billing.models import (
    Deposit,
    DepositStatus,
    Invoice,
    LedgerEntry,
    Package,
    PackagePlan,
    Payment,
    PaymentStatus,
    Refund,
)
from clinic.roles import Action, can, is_staff_member, patient_id_of

ZERO = Decimal("0.00")


def _scoped(queryset: QuerySet, user) -> QuerySet:
    if is_staff_member(user):
        return queryset if can(user, Action.BILLING_VIEW) else queryset.none()
    own = patient_id_of(user)
    return queryset.filter(patient_id=own) if own is not None else queryset.none()


def invoice_list(user) -> QuerySet[Invoice]:
    return _scoped(
        Invoice.objects.select_related("patient", "corrects").prefetch_related("lines"), user
    )


def invoice_get_for(user, invoice_id: int, *, lock: bool = False) -> Invoice:
    found = invoice_list(user).filter(pk=invoice_id)
    found = found.select_for_update(of=("self",)) if lock else found
    invoice = found.first()
    if invoice is None:
        raise Http404
    return invoice


def payment_get_for(user, payment_id: int) -> Payment:
    payment = _scoped(Payment.objects.select_related("invoice"), user).filter(pk=payment_id).first()
    if payment is None:
        raise Http404
    return payment


def package_list(user) -> QuerySet[Package]:
    return _scoped(Package.objects.select_related("plan", "invoice"), user)


def package_get_for(user, package_id: int) -> Package:
    package = package_list(user).filter(pk=package_id).first()
    if package is None:
        raise Http404
    return package


def plan_get(plan_id: int) -> PackagePlan:
    plan = PackagePlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


@dataclass(frozen=True)
class Balance:
    owed: Decimal  # positive: the patient owes the clinic; negative: the clinic owes them
    credit: Decimal


def balance_of(patient_id: int) -> Balance:
    tail = (
        LedgerEntry.objects.filter(patient_id=patient_id)
        .order_by("-seq")
        .values_list("owed_after", "credit_after")
        .first()
    )
    return Balance(*tail) if tail else Balance(Decimal("0.00"), Decimal("0.00"))


def credited_total(invoice: Invoice) -> Decimal:
    found = Invoice.objects.filter(corrects=invoice).aggregate(s=Sum("total"))["s"]
    return found or ZERO


def refunded_total(payment: Payment) -> Decimal:
    return payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO


_AMOUNT = DecimalField(max_digits=12, decimal_places=2)


def _sum(rows: QuerySet, field: str) -> Coalesce:
    """SUM(field) of the rows as a correlated subquery (zero when there are none)."""
    total = rows.order_by().values(s=Func(F(field), function="SUM"))
    return Coalesce(Subquery(total, output_field=_AMOUNT), Value(ZERO), output_field=_AMOUNT)


def with_money_left(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """The invoices with what was credited, paid (net of refunds) and is pending online on
    each, in the same query: read by `outstanding` and `pending_total` (no query each)."""
    return invoices.annotate(
        money_credited=_sum(Invoice.objects.filter(corrects=OuterRef("pk")), "total"),
        money_paid=_sum(
            Payment.objects.filter(invoice=OuterRef("pk"), status=PaymentStatus.SUCCEEDED),
            "amount",
        ),
        money_refunded=_sum(Refund.objects.filter(payment__invoice=OuterRef("pk")), "amount"),
        money_pending=_sum(
            Payment.objects.filter(invoice=OuterRef("pk"), status=PaymentStatus.PENDING),
            "amount",
        ),
    )


def _sums(invoice: Invoice, *, fresh: bool = False) -> dict[str, Decimal]:
    """The sums annotated on a listed invoice, or read now (always, when `fresh`)."""
    names = ("money_credited", "money_paid", "money_refunded", "money_pending")
    if not fresh and all(hasattr(invoice, name) for name in names):
        return {name: getattr(invoice, name) for name in names}
    return with_money_left(Invoice.objects.filter(pk=invoice.pk)).values(*names).get()


def paid_total(invoice: Invoice) -> Decimal:
    """What the patient paid on the invoice, net of refunds."""
    sums = _sums(invoice)
    return sums["money_paid"] - sums["money_refunded"]


def pending_total(invoice: Invoice) -> Decimal:
    return _sums(invoice)["money_pending"]


def _outstanding(invoice: Invoice, sums: dict[str, Decimal]) -> Decimal:
    paid = sums["money_paid"] - sums["money_refunded"]
    return invoice.total.amount - sums["money_credited"] - paid


def outstanding(invoice: Invoice) -> Decimal:
    return _outstanding(invoice, _sums(invoice))


def left_to_pay(invoice: Invoice) -> Decimal:
    """Outstanding less what is pending online, read now in one query (for the services,
    under the patient's lock: never from a listed row's annotations)."""
    sums = _sums(invoice, fresh=True)
    return _outstanding(invoice, sums) - sums["money_pending"]


def packages_for_session(appointment) -> QuerySet[Package]:
    """The patient's packages that could pay for this session: active, not expired on its
    day, with sessions left, covering its treatment; soonest to expire first."""
    from appointments.calendar import local_date

    day = local_date(appointment.start)
    return (
        packages_covering(appointment.patient_id, appointment.treatment_id, day)
        .select_related("plan")
        .order_by("expires_on", "id")
    )


def visit_invoice(appointment_id: int) -> Invoice | None:
    return Invoice.objects.filter(appointment_id=appointment_id, kind="invoice").first()


def ledger_of(user, patient_id: int) -> QuerySet[LedgerEntry]:
    """The patient's ledger, newest first, as `user` may see it (the desk's money page)."""
    return (
        _scoped(LedgerEntry.objects.filter(patient_id=patient_id), user)
        .select_related("invoice", "payment", "refund")
        .order_by("-seq")
    )


def invoices_of(user, patient_id: int) -> QuerySet[Invoice]:
    """The patient's invoices, newest first, each with what is left on it (no query each)."""
    return (
        with_money_left(invoice_list(user))
        .filter(patient_id=patient_id)
        .select_related("corrects")
        .prefetch_related("payments__refunds")
        .order_by("-issued_at", "-pk")
    )


def packages_of(user, patient_id: int) -> QuerySet[Package]:
    return package_list(user).filter(patient_id=patient_id).select_related("plan", "invoice")


def plans_on_sale() -> QuerySet[PackagePlan]:
    return PackagePlan.objects.filter(active=True).prefetch_related("treatments")


def packages_covering(patient_id: int, treatment_id: int, day) -> QuerySet[Package]:
    """Active packages of the patient, valid on `day` with sessions left, for the treatment."""
    from django.db.models import F

    return Package.objects.filter(
        patient_id=patient_id,
        status="active",
        expires_on__gte=day,
        sessions_used__lt=F("sessions_total"),
        plan__treatments=treatment_id,
    )


def deposit_payable(appointment_id: int, now) -> Deposit | None:
    """The unpaid deposit of a hold that still lives (None once paid, lapsed or closed)."""
    return (
        Deposit.objects.select_related("invoice", "appointment")
        .filter(
            appointment_id=appointment_id,
            status=DepositStatus.AWAITING,
            appointment__status="held",
            appointment__held_until__gt=now,
        )
        .first()
    )


def deposit_of(appointment_id: int) -> Deposit | None:
    return Deposit.objects.select_related("invoice").filter(appointment_id=appointment_id).first()


def deposits_of(user, patient_id: int) -> QuerySet[Deposit]:
    """The patient's deposits as `user` may see them (the patient's money page)."""
    return (
        _scoped(Deposit.objects.filter(patient_id=patient_id), user)
        .select_related("invoice", "appointment__treatment")
        .order_by("-created_at", "-pk")
    )


def deposit_for_invoice(invoice_id: int) -> Deposit | None:
    return (
        Deposit.objects.select_related("appointment__treatment")
        .filter(invoice_id=invoice_id)
        .first()
    )


def deposit_lapsed(deposit: Deposit | None, now) -> bool:
    """A deposit that can no longer be paid: its hold lapsed or was released unpaid."""
    if deposit is None or deposit.status not in (DepositStatus.AWAITING, DepositStatus.LAPSED):
        return False
    held = deposit.appointment
    return deposit.status == DepositStatus.LAPSED or not (
        held.status == "held" and held.held_until is not None and held.held_until > now
    )


def deposit_paid_for(appointment_id: int) -> Deposit | None:
    """The paid deposit checkout will count against the visit's price."""
    return (
        Deposit.objects.select_related("invoice")
        .filter(appointment_id=appointment_id, status=DepositStatus.PAID)
        .first()
    )
