"""The patient's append-only ledger (see billing/models/__init__.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.fields import MONEY
from billing.models.invoices import Invoice
from billing.models.payments import Payment, Refund


class EntryKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")
    PACKAGE_REFUND = "package_refund", _("Unused package sessions to credit")


class LedgerEntry(models.Model):
    """One change of what a patient owes (`owed`, positive: they owe the clinic) and of
    their account credit (`credit`, never negative). Append-only."""

    # No index of its own: ledger_seq_per_patient's (patient, seq) serves every lookup by
    # patient, and each money write's rows would update both.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", db_index=False
    )
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
