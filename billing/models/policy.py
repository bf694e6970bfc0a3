"""The manager's money rules (one row, edited in the admin)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models.fields import money_field
from billing.models.payments import RefundTo


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

    deposit_hold_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
        help_text=_("An online booking with a deposit keeps its time this long for the payment."),
    )
    deposit_refund_to = models.CharField(
        max_length=8,
        choices=RefundTo.choices,
        default=RefundTo.METHOD,
        help_text=_("Where a deposit goes back when the visit is cancelled in time."),
    )

    class Meta:
        verbose_name = _("billing policy")
        verbose_name_plural = _("billing policy")
        constraints = [
            models.CheckConstraint(
                name="billing_deposit_hold_minutes_range",
                condition=models.Q(deposit_hold_minutes__gte=1, deposit_hold_minutes__lte=1440),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Billing policy"))
