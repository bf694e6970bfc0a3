"""Issuing invoices and credit notes: numbered without gaps per year, read-only after."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.calendar import local_date
from billing.models import EntryKind, Invoice, InvoiceKind, InvoiceLine
from billing.money import cents, check_currency, currency, money
from billing.selectors import credited_total
from billing.services.ledger import ZERO, ledger_append, lock_patient
from clinic.audit import Actor, audit_record
from clinic.errors import Conflict, Invalid
from clinic.prepared import Prepared
from clinic.roles import Action, can
from clinic.rows import insert_rows


@dataclass(frozen=True)
class LineInput:
    kind: str
    description: str
    unit_price: Decimal
    quantity: int = 1
    discount: Decimal = ZERO
    tax_rate: Decimal = ZERO
    treatment_id: int | None = None
    extra: dict = field(default_factory=dict)


def check_money_role(actor: Actor, action: Action = Action.BILLING_TAKE) -> None:
    from clinic.errors import Forbidden

    if not can(actor.user, action):
        raise Forbidden(_("Your role may not handle money."), code="forbidden")


def _line_problem(line: LineInput) -> str | None:
    if line.quantity < 1:
        return _("The quantity is at least 1.")
    if line.unit_price < 0 or cents(line.unit_price) != line.unit_price:
        return _("A price is zero or more, with at most two decimal places.")
    if line.discount < 0 or line.discount > line.unit_price * line.quantity:
        return _("A discount is between zero and the line's price.")
    if not ZERO <= line.tax_rate <= 100:
        return _("A tax rate is a percentage from 0 to 100.")
    return None


def _check_lines(lines: Sequence[LineInput]) -> None:
    if not lines:
        raise Invalid(_("An invoice has at least one line."), fields={"lines": [_("Add a line.")]})
    problems = {
        f"lines.{i}": [problem] for i, line in enumerate(lines) if (problem := _line_problem(line))
    }
    if problems:
        raise Invalid(next(iter(problems.values()))[0], fields=problems)


def _line_row(line: LineInput) -> InvoiceLine:
    gross = line.unit_price * line.quantity
    tax = cents((gross - line.discount) * line.tax_rate / 100)
    return InvoiceLine(
        kind=line.kind,
        description=line.description[:200],
        treatment_id=line.treatment_id,
        quantity=line.quantity,
        unit_price=money(line.unit_price),
        discount=money(line.discount),
        tax_rate=line.tax_rate,
        tax=money(tax),
        total=money(gross - line.discount + tax),
    )


_NEXT_NUMBER = Prepared(
    "invoice_next_number",
    "INSERT INTO billing_invoicecounter (year, last) VALUES (%s, 1)"
    " ON CONFLICT (year) DO UPDATE SET last = billing_invoicecounter.last + 1 RETURNING last",
)


def _next_number(year: int) -> int:
    """The year's next number, in one statement that leaves the counter row locked to the
    commit: two desks issuing at once get consecutive numbers, and a rolled-back issue
    gives its number back. (Every issue waits on that row until the one before commits,
    so checkout takes its number as late as it can.)"""
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_NUMBER.sql(connection), [year])
        return cursor.fetchone()[0]


def _write_invoice(actor: Actor, patient_id: int, rows: list[InvoiceLine], **fields) -> Invoice:
    now = timezone.now()
    year = local_date(now).year
    sequence = _next_number(year)
    subtotal = sum((r.unit_price.amount * r.quantity for r in rows), ZERO)
    discount = sum((r.discount.amount for r in rows), ZERO)
    tax = sum((r.tax.amount for r in rows), ZERO)
    invoice = Invoice(
        number=f"{year}-{sequence:06d}",
        year=year,
        sequence=sequence,
        patient_id=patient_id,
        subtotal=money(subtotal),
        discount=money(discount),
        tax=money(tax),
        total=money(subtotal - discount + tax),
        issued_at=now,
        issued_by=actor.user if actor.user.is_authenticated else None,
        **fields,
    )
    # Invoice.objects.create() and bulk_create(), leaner (clinic.rows says why).
    insert_rows([invoice])
    for row in rows:
        row.invoice = invoice
    insert_rows(rows)
    invoice.line_rows = rows
    return invoice


def invoice_issue_in(
    actor: Actor,
    *,
    patient_id: int,
    lines: Sequence[LineInput],
    appointment_id: int | None = None,
    currency_code: str | None = None,
) -> Invoice:
    """Inside a transaction that holds the patient's lock (checkout, package sale)."""
    check_currency(currency_code)
    _check_lines(lines)
    invoice = _write_invoice(
        actor, patient_id, [_line_row(line) for line in lines], appointment_id=appointment_id
    )
    if invoice.total.amount:
        ledger_append(
            patient_id=patient_id,
            kind=EntryKind.INVOICE,
            owed_change=invoice.total.amount,
            invoice=invoice,
        )
    audit_record(
        actor,
        action="invoice.issue",
        obj=invoice,
        patient_id=patient_id,
        number=invoice.number,
        total=str(invoice.total.amount),
        currency=currency(),
    )
    return invoice


@transaction.atomic(durable=True)
def invoice_issue(
    *,
    actor: Actor,
    patient_id: int,
    lines: Sequence[LineInput],
    appointment_id: int | None = None,
    currency_code: str | None = None,
) -> Invoice:
    check_money_role(actor)
    lock_patient(patient_id)
    return invoice_issue_in(
        actor,
        patient_id=patient_id,
        lines=lines,
        appointment_id=appointment_id,
        currency_code=currency_code,
    )


@transaction.atomic(durable=True)
def credit_note_issue(
    *,
    actor: Actor,
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    currency_code: str | None = None,
) -> Invoice:
    """Correct an issued invoice by `amount` (at most what is not yet credited)."""
    check_money_role(actor)
    check_currency(currency_code)
    lock_patient(invoice.patient_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    return credit_note_in(actor, invoice=invoice, amount=amount, reason=reason)


def credit_note_in(actor: Actor, *, invoice: Invoice, amount: Decimal, reason: str) -> Invoice:
    from billing.money import check_positive

    check_positive(amount)
    if invoice.kind != InvoiceKind.INVOICE:
        raise Conflict(_("A credit note cannot be corrected by another."), code="not_an_invoice")
    left = invoice.total.amount - credited_total(invoice)
    if amount > left:
        raise Invalid(
            _("At most %(left)s is left to credit on this invoice.") % {"left": left},
            code="credit_above_invoice",
            fields={"amount": [_("At most %s.") % left]},
        )
    line = LineInput(
        kind="fee",
        description=_("Correction of %(number)s: %(reason)s")
        % {"number": invoice.number, "reason": reason},
        unit_price=amount,
    )
    note = _write_invoice(
        actor, invoice.patient_id, [_line_row(line)], kind=InvoiceKind.CREDIT_NOTE, corrects=invoice
    )
    ledger_append(
        patient_id=invoice.patient_id, kind=EntryKind.CREDIT_NOTE, owed_change=-amount, invoice=note
    )
    audit_record(
        actor,
        action="invoice.credit_note",
        obj=note,
        patient_id=invoice.patient_id,
        corrects=invoice.number,
        amount=str(amount),
        reason=reason,
    )
    return note
