"""Payments and refunds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field
from billing.models.invoices import Invoice


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
    # Online: the provider's page where the patient pays (resumed while still pending).
    checkout_url = models.CharField(max_length=800, blank=True)
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
