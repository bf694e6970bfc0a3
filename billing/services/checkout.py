"""Checkout at the desk after a session: complete it, use a package session, invoice the
rest, take the payment and queue the receipt, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment, Status
from appointments.services.status import appointment_complete
from billing.models import (
    Deposit,
    DepositStatus,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LedgerEntry,
    LineKind,
    Package,
    Payment,
    Redemption,
)
from billing.money import check_currency
from billing.receipts import receipt_queue
from billing.services.deposits import deposit_for_checkout, deposit_settle_at_checkout
from billing.services.invoices import LineInput, check_money_role, invoice_issue_in
from billing.services.ledger import ZERO, ledger_batch
from billing.services.packages import redeem_locked
from billing.services.payments import payment_take_in
from clinic.audit import Actor, audit_batch
from clinic.errors import Conflict, Invalid
from clinic.prepared import Prepared
from clinic.rows import deferred_inserts
from patients.models import Patient
from treatments.models import Treatment


@dataclass(frozen=True)
class CheckoutResult:
    invoice: Invoice
    payment: Payment | None
    redemption: Redemption | None
    receipt_queued: bool


# The two statements that open every checkout (the patient's lock, then the visit's read)
# are written in SQL: as ORM querysets (a subquery, three `Exists` annotations,
# `select_related`, `only`) Django spent 2.6 ms of CPU building them, a quarter of the
# checkout's request in the worker (py-spy under bench row P's load, stop 31); through
# `raw()`, 0.4 ms. The read gives model instances as the querysets did, with the same
# columns (others are deferred). Both are prepared once a session
# (clinic.prepared): PostgreSQL spent 0.27 ms planning the visit's read each time, against
# 0.02 ms running it. They go to the server together (`_locked_visit`).
_PATIENT_OF_VISIT = Prepared(
    "checkout_patient_of_visit",
    "SELECT id FROM patients_patient"
    " WHERE id = (SELECT patient_id FROM appointments_appointment WHERE id = %s) FOR UPDATE",
)
_VISIT = Prepared(
    "checkout_visit",
    """
SELECT a.id, a.patient_id, a.treatment_id, a.start, a.status, p.email AS patient_email,
       t.name AS treatment_name, t.price AS treatment_price,
       EXISTS (SELECT 1 FROM billing_invoice i
               WHERE i.appointment_id = a.id AND i.kind = %s) AS invoiced,
       EXISTS (SELECT 1 FROM billing_redemption r WHERE r.appointment_id = a.id) AS redeemed,
       EXISTS (SELECT 1 FROM billing_deposit d
               WHERE d.appointment_id = a.id AND d.status = %s) AS deposit_paid,
       tail.id AS tail_id, tail.seq AS tail_seq,
       tail.owed_after AS tail_owed_after, tail.credit_after AS tail_credit_after,
       nextval(pg_get_serial_sequence('billing_invoice', 'id')) AS new_invoice_id,
       ARRAY(SELECT nextval(pg_get_serial_sequence('billing_invoiceline', 'id'))
             FROM generate_series(1, %s)) AS new_line_ids,
       nextval(pg_get_serial_sequence('billing_payment', 'id')) AS new_payment_id,
       ARRAY(SELECT nextval(pg_get_serial_sequence('billing_ledgerentry', 'id'))
             FROM generate_series(1, 2)) AS new_ledger_ids
FROM appointments_appointment a JOIN treatments_treatment t ON t.id = a.treatment_id
JOIN patients_patient p ON p.id = a.patient_id
LEFT JOIN LATERAL (
    SELECT l.id, l.seq, l.owed_after, l.credit_after FROM billing_ledgerentry l
    WHERE l.patient_id = a.patient_id ORDER BY l.seq DESC LIMIT 1
) tail ON true
WHERE a.id = %s
""",
)


def _unknown_appointment() -> Invalid:
    return Invalid(_("No such appointment."), fields={"appointment": [_("Unknown.")]})


def _locked_visit(appointment_id: int, lines: int) -> Appointment:
    """The appointment with its treatment, its patient (what the receipt needs: checkout
    reads nothing else of the patient) and what checkout needs to know of it. Its
    `ledger_tail` is the patient's newest ledger row (None: none yet), as
    billing.services.ledger.ledger_tail reads it. Its `new_ids` are ids for the rows the
    checkout writes (an invoice of `lines` lines, a payment, two ledger rows), taken from
    their tables' sequences, so that those inserts need no answer and go to the server
    together (clinic.rows.deferred_inserts); ids left unused are gaps, as a rolled-back
    insert leaves.

    One round trip, two statements: the patient's row is locked first (every money write
    of a patient holds that lock), then the visit is read by a statement of its own, whose
    snapshot is taken after the lock is held and so sees every earlier checkout committed.
    The driver gives the last statement's rows."""
    query = _PATIENT_OF_VISIT.sql(connection) + ";\n" + _VISIT.sql(connection)
    params = [appointment_id, InvoiceKind.INVOICE, DepositStatus.PAID, lines, appointment_id]
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        found = cursor.fetchone()
    if found is None:
        raise _unknown_appointment()
    (pk, patient_id, treatment_id, start, status, email, name, price) = found[:8]
    (invoiced, redeemed, deposit_paid, tail_id, tail_seq, owed_after, credit_after) = found[8:15]
    (invoice_id, line_ids, payment_id, ledger_ids) = found[15:]
    # Model instances as a queryset with `only()` would give them (their other columns
    # deferred), built here: `raw()` mapped the columns to fields on every call (3.4 % of
    # the workers' CPU under row P's load, py-spy at stop 32).
    db = connection.alias
    visit = Appointment.from_db(
        db,
        ["id", "patient_id", "treatment_id", "start", "status"],
        [pk, patient_id, treatment_id, start, status],
    )
    visit.invoiced, visit.redeemed, visit.deposit_paid = invoiced, redeemed, deposit_paid
    visit.patient = Patient.from_db(db, ["id", "email"], [patient_id, email])
    visit.treatment = Treatment.from_db(db, ["id", "name", "price"], [treatment_id, name, price])
    visit.ledger_tail = (
        None
        if tail_id is None
        else LedgerEntry.from_db(
            db,
            ["id", "seq", "owed_after", "credit_after"],
            [tail_id, tail_seq, owed_after, credit_after],
        )
    )
    visit.new_ids = {
        Invoice: [invoice_id],
        InvoiceLine: line_ids,
        Payment: [payment_id],
        LedgerEntry: ledger_ids,
    }
    return visit


def _ready(visit: Appointment, actor: Actor) -> Appointment:
    if visit.invoiced:
        raise Conflict(
            _("This session is checked out already."),
            code="already_checked_out",
            fields={"appointment": [_("Invoiced already.")]},
        )
    if visit.status == Status.CHECKED_IN:
        appointment = appointment_complete(actor=actor, appointment=visit)
        # Completing may have used a package session (billing.receivers).
        appointment.redeemed = Redemption.objects.filter(appointment=appointment).exists()
        appointment.deposit_paid = visit.deposit_paid
        return appointment
    if visit.status != Status.COMPLETED:
        raise Conflict(
            _("Checkout follows a session: check the patient in first."),
            code="not_checked_in",
            fields={"appointment": [_("This session has not taken place.")]},
        )
    return visit


def _redeem(appointment: Appointment, package_id: int | None) -> Redemption | None:
    if appointment.redeemed:
        return Redemption.objects.select_related("package__plan").get(appointment=appointment)
    if package_id is None:
        return None
    package = Package.objects.select_for_update().select_related("plan").filter(pk=package_id)
    if not package.exists():
        raise Invalid(_("No such package."), fields={"package": [_("No such package.")]})
    return redeem_locked(package.get(), appointment, "desk")


def _session_line(
    appointment: Appointment, redemption: Redemption | None, deposit: Deposit | None
) -> LineInput:
    price = appointment.treatment.price
    prepaid = price if redemption is not None else ZERO
    description = appointment.treatment.name
    if redemption is not None:
        description = _("%(treatment)s (prepaid: %(package)s)") % {
            "treatment": description,
            "package": redemption.package.plan.name,
        }
    elif deposit is not None:
        # The deposit's own invoice was paid: only the rest of the price is owed now.
        prepaid = min(price, deposit.amount.amount)
        description = _("%(treatment)s (deposit paid: %(number)s)") % {
            "treatment": description,
            "number": deposit.invoice.number,
        }
    return LineInput(
        kind=LineKind.TREATMENT,
        description=description,
        unit_price=price,
        discount=prepaid,
        treatment_id=appointment.treatment_id,
    )


@transaction.atomic(durable=True)
def checkout(
    *,
    actor: Actor,
    appointment_id: int,
    method: str | None = None,
    amount: Decimal | None = None,
    package_id: int | None = None,
    extra_lines: Sequence[LineInput] = (),
    email_receipt: bool = True,
    currency_code: str | None = None,
) -> CheckoutResult:
    """`amount` defaults to the whole total; less is a partial payment, the rest stays
    owed. No `method`: nothing paid now (the invoice stays open)."""
    check_money_role(actor)
    check_currency(currency_code)
    visit = _locked_visit(appointment_id, lines=1 + len(extra_lines))
    patient = visit.patient
    appointment = _ready(visit, actor)
    # The visit's read gave the ledger's tail; completing a checked-in visit runs the
    # completion's listeners first, so then the batch reads the tail itself.
    tails = {patient.pk: visit.ledger_tail} if appointment is visit else {}
    redemption = _redeem(appointment, package_id)
    deposit = deposit_for_checkout(appointment) if appointment.deposit_paid else None
    lines = [_session_line(appointment, redemption, deposit), *extra_lines]
    # The ledger's rows and then the audit rows are written last, each kind together: the
    # audit chain's lock, like the invoice counter's, is held from then to the commit.
    # The inserts before the audit rows' go to the server with the chain's lock, in one
    # round trip (they need no answer: their ids were allocated with the visit's read).
    with deferred_inserts(visit.new_ids), audit_batch(), ledger_batch(tails):
        invoice = invoice_issue_in(
            actor, patient_id=patient.pk, lines=lines, appointment_id=appointment.pk
        )
        if deposit is not None:
            deposit_settle_at_checkout(
                deposit, package_paid=redemption is not None, now=timezone.now()
            )
        payment = _pay(actor, invoice, method, amount)
        queued = email_receipt and receipt_queue(invoice=invoice, patient=patient)
    return CheckoutResult(invoice, payment, redemption, queued)


def _pay(
    actor: Actor, invoice: Invoice, method: str | None, amount: Decimal | None
) -> Payment | None:
    total = invoice.total.amount
    if method is None or total == 0:
        if amount:
            raise Invalid(
                _("Nothing to pay on this visit."), fields={"amount": [_("Leave it out.")]}
            )
        return None
    return payment_take_in(
        actor, invoice=invoice, method=method, amount=amount or total, fresh=True
    )
