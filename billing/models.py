"""Money: invoices and their lines, payments, refunds, the patient's ledger, packages.

Amounts are exact decimals with a currency (django-money; settings.DEFAULT_CURRENCY).
An invoice is issued when it is created and never changes after (a database trigger,
migration 0002, refuses UPDATE and DELETE of invoices and their lines); a correction is a
credit note, itself an invoice of kind `credit_note` pointing at the one it corrects.

The ledger is append-only (a trigger refuses UPDATE and DELETE) and consistent by
construction: each row carries the running totals before and after it, a check
constraint holds `after = before + change`, and a composite foreign key (migration 0002)
ties the `before` of a row to the `after` of the patient's previous row, so no row can be
inserted that does not continue the chain exactly.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField

MONEY = {"max_digits": 12, "decimal_places": 2}


def money_field(**kwargs) -> MoneyField:
    return MoneyField(**MONEY, default_currency=settings.DEFAULT_CURRENCY, **kwargs)


class BillingPolicy(models.Model):
    """The manager's money rules (one row, edited in the admin)."""

    reception_refund_limit = money_field(
        default=Decimal("2000.00"),
        help_text=_("Reception may refund up to this per refund; the manager above it."),
    )
    no_show_redeems_session = models.BooleanField(
        default=True, help_text=_("A no-show uses one session of the patient's package.")
    )
    late_cancel_redeems_session = models.BooleanField(
        default=True,
        help_text=_("A cancel inside the cancellation cutoff uses one session of a package."),
    )
    # Charged when no package session paid for the missed one (0: none).
    no_show_fee = money_field(
        default=Decimal("0"), help_text=_("Invoiced for a no-show no package session covered.")
    )
    late_cancel_fee = money_field(
        default=Decimal("0"),
        help_text=_("Invoiced for a cancel inside the cutoff no package session covered."),
    )

    class Meta:
        verbose_name = _("billing policy")
        verbose_name_plural = _("billing policy")

    def __str__(self) -> str:
        return str(_("Billing policy"))


class InvoiceCounter(models.Model):
    """The last number given in a year: locked (SELECT ... FOR UPDATE) by whoever issues,
    so two desks issuing at once get consecutive numbers and a rolled-back issue gives
    its number back."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(models.Model):
    number = models.CharField(max_length=20, unique=True)
    year = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    subtotal = money_field()
    discount = money_field(default=Decimal("0"))
    tax = money_field(default=Decimal("0"))
    total = money_field()
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_number_per_year"),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(kind="invoice", appointment__isnull=False),
                name="invoice_once_per_visit",
            ),
            models.CheckConstraint(name="invoice_total_not_negative", condition=Q(total__gte=0)),
            models.CheckConstraint(
                name="invoice_discount_not_negative", condition=Q(discount__gte=0)
            ),
            models.CheckConstraint(
                name="invoice_total_adds_up",
                condition=Q(total=F("subtotal") - F("discount") + F("tax")),
            ),
            models.CheckConstraint(
                name="credit_note_corrects_an_invoice",
                condition=Q(kind="invoice", corrects__isnull=True)
                | Q(kind="credit_note", corrects__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    PACKAGE = "package", _("Package")
    PRODUCT = "product", _("Product")
    FEE = "fee", _("Fee")


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=10, choices=LineKind.choices)
    description = models.CharField(max_length=200)
    treatment = models.ForeignKey(
        "treatments.Treatment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1)
    unit_price = money_field()
    discount = money_field(default=Decimal("0"))
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    tax = money_field(default=Decimal("0"))
    total = money_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(name="line_quantity_positive", condition=Q(quantity__gte=1)),
            models.CheckConstraint(name="line_price_not_negative", condition=Q(unit_price__gte=0)),
            models.CheckConstraint(name="line_discount_not_negative", condition=Q(discount__gte=0)),
            models.CheckConstraint(
                name="line_tax_rate_in_range", condition=Q(tax_rate__gte=0, tax_rate__lte=100)
            ),
            models.CheckConstraint(
                name="line_total_adds_up",
                condition=Q(total=F("unit_price") * F("quantity") - F("discount") + F("tax")),
            ),
            models.CheckConstraint(name="line_total_not_negative", condition=Q(total__gte=0)),
        ]

    def __str__(self) -> str:
        return self.description


class Method(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Card terminal")
    BANK = "bank", _("Bank transfer")
    CREDIT = "credit", _("Account credit")
    ONLINE = "online", _("Online")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # online: waiting for the provider
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    amount = money_field()
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.SUCCEEDED
    )
    provider = models.CharField(max_length=20, blank=True)
    provider_ref = models.CharField(max_length=100, blank=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    reference = models.CharField(max_length=100, blank=True)  # terminal slip, bank reference
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="payment_provider_ref_unique",
            ),
            models.CheckConstraint(
                name="payment_pending_only_online",
                condition=Q(method="online") | Q(status="succeeded"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount}"


class RefundTo(models.TextChoices):
    METHOD = "method", _("The original method")
    CREDIT = "credit", _("Account credit")


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    to = models.CharField(max_length=8, choices=RefundTo.choices)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="refund_amount_positive", condition=Q(amount__gt=0)),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount}"


class EntryKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    PACKAGE_REFUND = "package_refund", _("Unused package sessions to credit")


class LedgerEntry(models.Model):
    """One change of what a patient owes (`owed`, positive: they owe the clinic) and of
    their account credit (`credit`, never negative). Append-only."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    prev_seq = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    owed_before = models.DecimalField(**MONEY)
    owed_change = models.DecimalField(**MONEY)
    owed_after = models.DecimalField(**MONEY)
    credit_before = models.DecimalField(**MONEY)
    credit_change = models.DecimalField(**MONEY)
    credit_after = models.DecimalField(**MONEY)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["patient", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "seq"], name="ledger_seq_per_patient"),
            # One successor per row: the chain cannot fork.
            models.UniqueConstraint(fields=["patient", "prev_seq"], name="ledger_one_successor"),
            models.UniqueConstraint(
                fields=["patient", "seq", "owed_after", "credit_after"],
                name="ledger_chain_target",
            ),
            models.CheckConstraint(
                name="ledger_first_row_starts_at_zero",
                condition=Q(prev_seq__isnull=False, seq=F("prev_seq") + 1)
                | Q(prev_seq__isnull=True, seq=1, owed_before=0, credit_before=0),
            ),
            models.CheckConstraint(
                name="ledger_owed_adds_up",
                condition=Q(owed_after=F("owed_before") + F("owed_change")),
            ),
            models.CheckConstraint(
                name="ledger_credit_adds_up",
                condition=Q(credit_after=F("credit_before") + F("credit_change")),
            ),
            models.CheckConstraint(
                name="ledger_credit_not_negative", condition=Q(credit_after__gte=0)
            ),
            models.CheckConstraint(
                name="ledger_changes_something",
                condition=~Q(owed_change=0, credit_change=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient_id}#{self.seq} {self.kind}"


class PackagePlan(models.Model):
    """What the clinic sells: N sessions of a treatment (or of any of a group), a price,
    valid for some days (configured by the manager in the admin)."""

    name = models.CharField(max_length=120)
    treatments = models.ManyToManyField("treatments.Treatment", related_name="+")
    sessions = models.PositiveIntegerField()
    price = money_field()
    valid_days = models.PositiveIntegerField(default=180)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="plan_sessions_positive", condition=Q(sessions__gte=1)),
            models.CheckConstraint(name="plan_price_positive", condition=Q(price__gt=0)),
            models.CheckConstraint(name="plan_valid_days_positive", condition=Q(valid_days__gte=1)),
        ]

    def __str__(self) -> str:
        return self.name


class PackageStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REFUNDED = "refunded", _("Unused sessions refunded")


class Package(models.Model):
    """A plan sold to a patient. `sessions_used` never passes `sessions_total` (the check):
    the last session cannot be redeemed twice."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(PackagePlan, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    sessions_total = models.PositiveIntegerField()
    sessions_used = models.PositiveIntegerField(default=0)
    price = money_field()
    expires_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PackageStatus.choices, default=PackageStatus.ACTIVE
    )
    sold_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="package_used_within_total",
                condition=Q(sessions_used__lte=F("sessions_total")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.sessions_used}/{self.sessions_total})"

    @property
    def sessions_left(self) -> int:
        return self.sessions_total - self.sessions_used


class RedemptionReason(models.TextChoices):
    COMPLETED = "completed", _("Session completed")
    NO_SHOW = "no_show", _("No-show")
    LATE_CANCEL = "late_cancel", _("Late cancellation")
    DESK = "desk", _("Redeemed at the desk")


class Redemption(models.Model):
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="redemptions")
    appointment = models.OneToOneField(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=12, choices=RedemptionReason.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.package_id}: {self.appointment_id}"


class MissedSessionFee(models.Model):
    """The fee invoiced for a missed session (one open per appointment); undoing the
    no-show credits it back, and a no-show marked again is charged again."""

    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, choices=RedemptionReason.choices)
    credited = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(credited=False),
                name="one_open_fee_per_visit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} fee for {self.appointment_id}"
