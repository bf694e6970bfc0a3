"""Invoices and credit notes, their lines, and the per-year counter that numbers them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field


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

    @cached_property
    def line_rows(self) -> list[InvoiceLine]:
        """Its lines: those just written when it was issued (no query to read them back),
        else read (once, or from `prefetch_related("lines")`)."""
        return list(self.lines.all())


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
