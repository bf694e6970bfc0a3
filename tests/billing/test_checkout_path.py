"""The checkout's lean path (bench row P): its statements are counted, and what it skips
or batches (the re-reads of a fresh invoice, the ledger's two rows in one insert) still
gives the same ledger and the same answers."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from appointments.models import Status
from billing.models import LedgerEntry, Payment
from billing.selectors import balance_of
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_take, refund_make
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, line, manager, session
from tests.factories import staff, token_api

pytestmark = at_clinic_now
D = Decimal

# BEGIN, the patient locked, the visit read, the year's number, the invoice, its lines,
# the ledger's tail, the payment, the receipt message, the ledger's rows (one insert), the
# audit chain's lock, its tail, the audit rows (one insert), COMMIT. The token check asks
# nothing once its user's facts are cached (clinic.authentication).
CHECKOUT_STATEMENTS = 14


def test_a_cash_checkout_of_a_completed_session_takes_fourteen_statements(
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
