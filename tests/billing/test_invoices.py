"""Invoices: totals with discounts and tax, numbering without gaps per year (also from
two connections at once), read-only once issued (the database refuses), credit notes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from billing.models import Invoice, InvoiceLine, LedgerEntry
from billing.selectors import balance_of
from billing.services.invoices import credit_note_issue, invoice_issue
from clinic.audit import Actor
from clinic.errors import Forbidden, Invalid
from clinic.models import AuditEvent
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import desk, line
from tests.factories import patient, staff

pytestmark = at_clinic_now


def test_totals_add_up_lines_discounts_and_tax(db):
    p = patient()
    invoice = invoice_issue(
        actor=desk(),
        patient_id=p.pk,
        lines=[
            line("1200.00", quantity=2, discount="200.00", tax_rate="20"),
            line("350.50", kind="product", description="Gel"),
        ],
    )
    first, second = invoice.lines.all()
    assert first.tax.amount == Decimal("440.00")  # 20 % of 2 x 1200 - 200
    assert first.total.amount == Decimal("2640.00")
    assert second.tax.amount == Decimal("0.00")  # no rate given: 0
    assert invoice.subtotal.amount == Decimal("2750.50")
    assert invoice.discount.amount == Decimal("200.00")
    assert invoice.total.amount == Decimal("2990.50")
    assert str(invoice.total.currency) == "UAH"
    assert balance_of(p.pk).owed == Decimal("2990.50")


def test_numbers_run_on_without_gaps_within_the_year(db):
    p = patient()
    numbers = [invoice_issue(actor=desk(), patient_id=p.pk, lines=[line()]).number for _ in "abc"]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]


def test_a_refused_invoice_takes_no_number(db):
    p = patient()
    invoice_issue(actor=desk(), patient_id=p.pk, lines=[line()])
    with pytest.raises(Invalid) as refused:
        invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("-5.00")])
    assert "lines.0" in refused.value.fields
    assert invoice_issue(actor=desk(), patient_id=p.pk, lines=[line()]).number == "2026-000002"
    assert LedgerEntry.objects.filter(patient=p).count() == 2


def test_two_desks_issuing_at_once_get_consecutive_numbers(live_db):
    """Eight issues from eight connections released together: numbers 1..8, no repeat."""
    patients = [patient(with_login=False) for _ in range(8)]
    actor = desk()
    barrier = threading.Barrier(len(patients))

    def issue(p) -> str:
        try:
            barrier.wait(timeout=30)
            return invoice_issue(actor=actor, patient_id=p.pk, lines=[line()]).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(patients)) as pool:
        numbers = list(pool.map(issue, patients))
    assert sorted(numbers) == [f"2026-{n:06d}" for n in range(1, 9)]


@pytest.mark.parametrize(
    "change",
    [
        lambda i: Invoice.objects.filter(pk=i.pk).update(total=0, subtotal=0),
        lambda i: Invoice.objects.filter(pk=i.pk).delete(),
        lambda i: InvoiceLine.objects.filter(invoice=i).update(description="changed"),
        lambda i: LedgerEntry.objects.filter(invoice=i).update(owed_change=1, owed_after=1),
        lambda i: LedgerEntry.objects.filter(invoice=i).delete(),
    ],
    ids=["invoice update", "invoice delete", "line update", "ledger update", "ledger delete"],
)
def test_the_database_refuses_to_change_an_issued_invoice_or_the_ledger(db, change):
    invoice = invoice_issue(actor=desk(), patient_id=patient().pk, lines=[line()])
    with pytest.raises(DatabaseError), transaction.atomic():
        change(invoice)


def test_a_ledger_row_that_does_not_continue_the_chain_is_refused(db):
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("100.00")])
    tail = LedgerEntry.objects.get(patient=p)
    forged = dict(
        patient=p,
        seq=2,
        prev_seq=1,
        kind="payment",
        invoice=invoice,
        owed_before=Decimal("0.00"),  # the previous row says 100.00
        owed_change=Decimal("-100.00"),
        owed_after=Decimal("-100.00"),
        credit_before=tail.credit_after,
        credit_change=Decimal("5.00"),
        credit_after=tail.credit_after + 5,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(**forged)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(**{**forged, "owed_before": Decimal("100.00"), "owed_after": 7})
    negative_credit = {
        **forged,
        "owed_before": Decimal("100.00"),
        "owed_after": Decimal("0.00"),
        "credit_change": Decimal("-1.00"),
        "credit_after": Decimal("-1.00"),
    }
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.create(**negative_credit)
    assert LedgerEntry.objects.filter(patient=p).count() == 1


def test_a_credit_note_corrects_an_invoice_up_to_its_total(db):
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("1000.00")])
    note = credit_note_issue(actor=desk(), invoice=invoice, amount=Decimal("400.00"), reason="x")
    assert note.number == "2026-000002" and note.corrects == invoice
    assert balance_of(p.pk).owed == Decimal("600.00")
    with pytest.raises(Invalid) as refused:
        credit_note_issue(actor=desk(), invoice=invoice, amount=Decimal("600.01"), reason="x")
    assert "amount" in refused.value.fields
    assert Invoice.objects.count() == 2


def test_a_dermatologist_handles_no_money(db):
    with pytest.raises(Forbidden):
        invoice_issue(
            actor=Actor(user=staff(Role.DERMATOLOGIST)), patient_id=patient().pk, lines=[line()]
        )
    assert not Invoice.objects.exists()


def test_every_issue_is_audited(db):
    p = patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line()])
    event = AuditEvent.objects.get(action="invoice.issue")
    assert (event.object_id, event.patient_id) == (str(invoice.pk), p.pk)
    assert event.detail["number"] == invoice.number
