"""The patient's ledger: append a row continuing the chain (inside the caller's
transaction, with the patient row locked: services/__init__.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.models import LedgerEntry
from billing.money import currency
from patients.models import Patient

ZERO = Decimal("0.00")


def lock_patient(patient_id: int) -> Patient:
    return Patient.objects.select_for_update().get(pk=patient_id)


def ledger_tail(patient_id: int) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(patient_id=patient_id).order_by("-seq").first()


def ledger_append(
    *,
    patient_id: int,
    kind: str,
    owed_change: Decimal = ZERO,
    credit_change: Decimal = ZERO,
    **refs: Any,
) -> LedgerEntry:
    tail = ledger_tail(patient_id)
    owed = tail.owed_after if tail else ZERO
    credit = tail.credit_after if tail else ZERO
    return LedgerEntry.objects.create(
        patient_id=patient_id,
        seq=tail.seq + 1 if tail else 1,
        prev_seq=tail.seq if tail else None,
        kind=kind,
        currency=currency(),
        owed_before=owed,
        owed_change=owed_change,
        owed_after=owed + owed_change,
        credit_before=credit,
        credit_change=credit_change,
        credit_after=credit + credit_change,
        **refs,
    )
