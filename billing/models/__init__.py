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

from billing.models.deposits import Deposit, DepositStatus
from billing.models.fields import MONEY, money_field
from billing.models.invoices import Invoice, InvoiceCounter, InvoiceKind, InvoiceLine, LineKind
from billing.models.ledger import EntryKind, LedgerEntry
from billing.models.packages import (
    MissedSessionFee,
    Package,
    PackagePlan,
    PackageStatus,
    Redemption,
    RedemptionReason,
)
from billing.models.payments import Method, Payment, PaymentStatus, Refund, RefundTo
from billing.models.policy import BillingPolicy

__all__ = [
    "MONEY",
    "BillingPolicy",
    "Deposit",
    "DepositStatus",
    "EntryKind",
    "Invoice",
    "InvoiceCounter",
    "InvoiceKind",
    "InvoiceLine",
    "LedgerEntry",
    "LineKind",
    "Method",
    "MissedSessionFee",
    "Package",
    "PackagePlan",
    "PackageStatus",
    "Payment",
    "PaymentStatus",
    "Redemption",
    "RedemptionReason",
    "Refund",
    "RefundTo",
    "money_field",
]
