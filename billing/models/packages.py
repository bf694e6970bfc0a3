"""Prepaid packages: what is sold (plans), what a patient holds, the sessions used, and
the fees of missed sessions."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field
from billing.models.invoices import Invoice


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
    # Bought online: no session is used from it until the payment settles (by `pay_by`).
    AWAITING_PAYMENT = "awaiting", _("Awaiting payment")
    CANCELLED = "cancelled", _("Cancelled: not paid in time")


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
    # An online purchase not paid by then is cancelled by housekeeping (billing.tasks).
    pay_by = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="package_used_within_total",
                condition=Q(sessions_used__lte=F("sessions_total")),
            ),
            models.CheckConstraint(
                name="package_awaiting_has_deadline",
                condition=~Q(status="awaiting") | Q(pay_by__isnull=False),
            ),
            # Nothing is redeemed from a package before it is paid.
            models.CheckConstraint(
                name="package_awaiting_unused",
                condition=~Q(status="awaiting") | Q(sessions_used=0),
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
