"""Deposits taken when a patient books online (the treatment's deposit rule)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field
from billing.models.invoices import Invoice


class DepositStatus(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for the payment")
    PAID = "paid", _("Paid")  # the hold became a booking; checkout counts it
    LAPSED = "lapsed", _("Lapsed unpaid")  # the hold lapsed: its invoice credited in full
    REFUNDED = "refunded", _("Refunded")
    KEPT = "kept", _("Kept by the clinic")  # a no-show or a cancel inside the cutoff
    USED = "used", _("Counted at checkout")


class Deposit(models.Model):
    """The deposit of one online booking: its own invoice (a visit has one invoice, issued
    at checkout, so the deposit cannot be it) and what became of it."""

    appointment = models.OneToOneField(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="deposit")
    amount = money_field()
    status = models.CharField(
        max_length=10, choices=DepositStatus.choices, default=DepositStatus.AWAITING
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(name="deposit_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="deposit_closed_when_final",
                condition=Q(status__in=["awaiting", "paid"], closed_at__isnull=True)
                | (~Q(status__in=["awaiting", "paid"]) & Q(closed_at__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"deposit {self.amount} for {self.appointment_id}"
