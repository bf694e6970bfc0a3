"""The checkout's lean path (bench row P): its round trips are counted, and what it skips
or batches (the re-reads of a fresh invoice, the rows sent together) still gives the same
ledger, the same audit chain and the same answers, also with several desks at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from itertools import pairwise

from django.db import connection

from appointments.models import Status
from billing.models import Invoice, InvoiceLine, LedgerEntry, Payment
from billing.selectors import balance_of
from billing.services.checkout import checkout
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_take, refund_make
from clinic.audit import verify_chain
from clinic.models import AuditEvent
from clinic.roles import Role
from messaging.models import Message
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import (
    cleared_patient,
    desk,
    line,
    manager,
    priced_clinic,
    session,
)
from tests.factories import staff, token_api

pytestmark = at_clinic_now
D = Decimal

# BEGIN, the patient locked and the visit read (with the ledger's tail) in one round
# trip, the year's number, the invoice, its lines, the payment, the receipt message, the
# ledger's rows (one insert), the audit chain's lock and its tail in one round trip, the
# audit rows (one insert), COMMIT. The token check asks nothing once its user's facts are
# cached (clinic.authentication).
CHECKOUT_STATEMENTS = 6


def test_a_cash_checkout_of_a_completed_session_takes_eleven_round_trips(
    clinic, reception, django_assert_num_queries
):
    visit = session(clinic, cleared_patient(), status=Status.COMPLETED)
    reception.get("/api/invoices/")  # the token's first use, the calendar snapshot read
    with django_assert_num_queries(CHECKOUT_STATEMENTS):
        response = reception.post(
            "/api/checkout/", {"appointment": visit.pk, "method": "cash"}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [line["total"]["amount"] for line in body["invoice"]["lines"]] == ["1200.00"]
    assert body["payment"]["amount"] == {"amount": "1200.00", "currency": "UAH"}


def test_a_checkout_paid_from_account_credit_reads_the_credit_and_chains_the_ledger(
    clinic, reception
):
    p = cleared_patient()
    # 500 of account credit: an invoice paid in cash, then refunded to credit.
    old = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("500.00")])
    paid = payment_take(actor=desk(), invoice=old, method="cash", amount=old.total.amount)
    refund_make(actor=manager(), payment=paid, amount=D("500.00"), to="credit", reason="x")
    before = balance_of(p.pk)
    assert before.credit == D("500.00")
    visit = session(clinic, p)

    too_much = reception.post(
        "/api/checkout/", {"appointment": visit.pk, "method": "credit"}, format="json"
    )
    assert too_much.status_code == 400, too_much.content
    assert too_much.json()["error"]["code"] == "credit_too_low"
    assert "amount" in too_much.json()["error"]["fields"]
    assert LedgerEntry.objects.filter(patient=p).count() == 3  # nothing written

    response = reception.post(
        "/api/checkout/",
        {"appointment": visit.pk, "method": "credit", "amount": "500.00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    rows = list(LedgerEntry.objects.filter(patient=p).order_by("seq"))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert [r.prev_seq for r in rows] == [None, 1, 2, 3, 4]
    for earlier, later in pairwise(rows):
        assert later.owed_before == earlier.owed_after
        assert later.credit_before == earlier.credit_after
    invoice_row, payment_row = rows[-2:]
    assert invoice_row.kind == "invoice" and invoice_row.owed_change == D("1200.00")
    assert payment_row.kind == "payment" and payment_row.credit_change == D("-500.00")
    after = balance_of(p.pk)
    assert after.credit == D("0.00") and after.owed == before.owed + D("700.00")
    assert Payment.objects.get(pk=response.json()["payment"]["id"]).method == "credit"


def test_an_invoice_answer_names_the_invoice_a_credit_note_corrects(clinic):
    p = cleared_patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line()])
    client = token_api(staff(Role.RECEPTION))
    response = client.post(
        f"/api/invoices/{invoice.pk}/credit-notes/",
        {"amount": "100.00", "reason": "price agreed"},
        format="json",
    )
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["kind"] == "credit_note" and note["corrects"] == invoice.number
    assert [line["total"]["amount"] for line in note["lines"]] == ["100.00"]
    original = client.get(f"/api/invoices/{invoice.pk}/").json()
    assert original["corrects"] is None and original["number"] == invoice.number


def test_the_rows_a_checkout_writes_read_back_as_its_answer_says_and_the_audit_chain_holds(
    clinic, reception
):
    """The invoice, its line, the payment, the ledger's and the audit's rows are written by
    clinic.rows.insert_rows and the visit is read by a cursor: what is read back from
    the database is what the answer says, and the audit chain verifies."""
    p = cleared_patient(email="checkout@example.org")
    visits = [session(clinic, p, ago=ago, status=Status.COMPLETED) for ago in (2, 5)]
    audited = AuditEvent.objects.count()
    answers = []
    for visit in visits:
        response = reception.post(
            "/api/checkout/",
            {
                "appointment": visit.pk,
                "method": "cash",
                "amount": "1000.00",
                "lines": [{"description": "Serum", "unit_price": "150.00", "quantity": 2}],
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        answers.append(response.json())

    for visit, body in zip(visits, answers, strict=True):
        invoice = Invoice.objects.get(pk=body["invoice"]["id"])
        assert (invoice.appointment_id, invoice.patient_id) == (visit.pk, p.pk)
        assert invoice.number == body["invoice"]["number"]
        assert invoice.total.amount == D("1500.00") and invoice.subtotal.amount == D("1500.00")
        assert str(invoice.total.currency) == "UAH"
        lines = InvoiceLine.objects.filter(invoice=invoice).order_by("pk")
        assert [(row.description, row.quantity, row.total.amount) for row in lines] == [
            ("Microcurrent therapy, face", 1, D("1200.00")),
            ("Serum", 2, D("300.00")),
        ]
        assert [row["id"] for row in body["invoice"]["lines"]] == [row.pk for row in lines]
        payment = Payment.objects.get(pk=body["payment"]["id"])
        assert (payment.invoice_id, payment.method, payment.amount.amount) == (
            invoice.pk,
            "cash",
            D("1000.00"),
        )
        assert payment.taken_by is not None and payment.settled_at is not None
        assert Message.objects.filter(key=f"receipt-{invoice.pk}").count() == 1
    ledger = list(LedgerEntry.objects.filter(patient=p).order_by("seq"))
    assert [(r.seq, r.kind) for r in ledger] == [
        (1, "invoice"),
        (2, "payment"),
        (3, "invoice"),
        (4, "payment"),
    ]
    assert ledger[-1].owed_after == D("1000.00")  # 2 x (1500 - 1000)
    actions = list(
        AuditEvent.objects.filter(pk__gt=0).order_by("pk").values_list("action", flat=True)
    )[audited:]
    assert actions == ["invoice.issue", "payment.take"] * 2
    assert verify_chain() is None


def test_a_checkout_of_an_appointment_that_does_not_exist_is_a_400_naming_it(clinic, reception):
    from billing.models import Invoice

    response = reception.post(
        "/api/checkout/", {"appointment": 987654, "method": "cash"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"appointment": ["Unknown."]}
    assert not Invoice.objects.exists() and not Payment.objects.exists()


def test_desks_checking_out_one_patients_sessions_at_once_keep_every_chain(live_db):
    """Four checkouts of one patient's sessions from four connections, released together.
    Each reads the visit and the ledger's tail in the round trip that takes the patient's
    lock, and the audit chain's tail in the one that takes the chain's lock: a read that
    missed the checkout committed before it would fork a chain, which the ledger's
    constraint or verify_chain would refuse."""
    clinic = priced_clinic()
    p = cleared_patient()
    visits = [session(clinic, p, ago=ago, status=Status.COMPLETED) for ago in (1, 3, 5, 7)]
    actors = [desk() for _ in visits]
    audited = AuditEvent.objects.count()
    barrier = threading.Barrier(len(visits))

    def check_out(i: int) -> str:
        try:
            barrier.wait(timeout=30)
            return checkout(
                actor=actors[i], appointment_id=visits[i].pk, method="cash"
            ).invoice.number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(visits)) as pool:
        numbers = list(pool.map(check_out, range(len(visits))))
    assert sorted(numbers) == sorted(Invoice.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 4
    rows = list(LedgerEntry.objects.filter(patient=p).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, 9))  # an invoice and a payment each
    for earlier, later in pairwise(rows):
        assert later.prev_seq == earlier.seq and later.owed_before == earlier.owed_after
    assert rows[-1].owed_after == D("0.00")
    assert AuditEvent.objects.count() == audited + 8  # invoice.issue and payment.take each
    assert verify_chain() is None
