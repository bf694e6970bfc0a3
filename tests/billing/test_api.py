"""The billing API: checkout in one call, the patient's own invoices and packages, the
receipt PDF, and the bad input of the issue, each a 4xx naming the field with nothing
saved and no ledger row."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from billing.models import Invoice, LedgerEntry, Package, Payment, Redemption, Refund
from billing.services.invoices import invoice_issue
from billing.services.packages import package_sell
from billing.services.payments import payment_take
from messaging.models import Message
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, line, plan, session
from tests.factories import patient, token_api

pytestmark = at_clinic_now
D = Decimal


def test_checkout_completes_invoices_pays_and_queues_the_receipt(clinic, reception):
    p = cleared_patient()
    visit = session(clinic, p)
    response = reception.post(
        "/api/checkout/", {"appointment": visit.pk, "method": "card"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoice"]["total"] == {"amount": "1200.00", "currency": "UAH"}
    assert body["payment"]["method"] == "card" and body["receipt_queued"] is True
    visit.refresh_from_db()
    assert visit.status == "completed"
    receipt = Message.objects.get(kind="receipt")
    assert receipt.key == f"receipt-{body['invoice']['id']}" and receipt.channel == "email"
    again = reception.post("/api/checkout/", {"appointment": visit.pk}, format="json")
    assert again.status_code == 409 and "appointment" in again.json()["error"]["fields"]


def test_checkout_with_a_package_session_charges_nothing(clinic, reception):
    p = cleared_patient()
    package = package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic))
    visit = session(clinic, p)
    response = reception.post(
        "/api/checkout/",
        {"appointment": visit.pk, "method": "cash", "package": package.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["invoice"]["total"]["amount"] == "0.00" and body["payment"] is None
    assert body["redemption"]["sessions_left"] == 9
    assert "prepaid" in body["invoice"]["lines"][0]["description"]


def test_checkout_takes_a_partial_payment(clinic, reception):
    visit = session(clinic, cleared_patient())
    response = reception.post(
        "/api/checkout/",
        {"appointment": visit.pk, "method": "cash", "amount": "500.00", "email_receipt": False},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert LedgerEntry.objects.order_by("-seq").first().owed_after == D("700.00")
    assert not Message.objects.filter(kind="receipt").exists()


def test_a_patient_sees_only_their_own_invoices_and_packages(clinic):
    own, other = cleared_patient(), patient()
    mine = invoice_issue(actor=desk(), patient_id=own.pk, lines=[line()])
    theirs = invoice_issue(actor=desk(), patient_id=other.pk, lines=[line()])
    package_sell(actor=desk(), patient_id=own.pk, plan=plan(clinic))
    client = token_api(own.user)
    listed = [i["id"] for i in client.get("/api/invoices/").json()["results"]]
    assert mine.pk in listed and theirs.pk not in listed
    assert client.get(f"/api/invoices/{theirs.pk}/").status_code == 404
    packages = client.get("/api/packages/").json()
    assert [p["sessions_left"] for p in packages] == [10]
    assert client.get(f"/api/patients/{other.pk}/balance/").status_code == 404
    assert client.get(f"/api/patients/{own.pk}/balance/").json()["owed"] == "10000.00"


def test_the_receipt_pdf_holds_the_lines_in_cyrillic(clinic):
    p = patient(first_name="Олена", last_name="Коваленко")
    invoice = invoice_issue(
        actor=desk(), patient_id=p.pk, lines=[line(description="Мікрострумова терапія")]
    )
    payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1000.00"))
    response = token_api(p.user).get(f"/api/invoices/{invoice.pk}/receipt/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(BytesIO(response.content)).pages[0].extract_text().split())
    assert "Мікрострумова терапія" in text and "Олена Коваленко" in text
    assert invoice.number in text and "1000.00" in text


def _state() -> tuple:
    return (
        Invoice.objects.count(),
        Payment.objects.count(),
        Refund.objects.count(),
        Redemption.objects.count(),
        Package.objects.count(),
        LedgerEntry.objects.count(),
    )


@pytest.fixture
def paid(clinic):
    p = cleared_patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("1000.00")])
    payment = payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("1000.00"))
    expired = package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic, days=1))
    return {
        "p": p,
        "invoice": invoice,
        "payment": payment,
        "expired": expired,
        "later": session(clinic, p, days=3, status="booked"),
    }


BAD = [
    (
        "zero amount",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": "0.00"},
        400,
        "amount",
    ),
    (
        "negative amount",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": "-10.00"},
        400,
        "amount",
    ),
    (
        "amount as a number",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": 10},
        400,
        "amount",
    ),
    (
        "three decimals",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": "1.005"},
        400,
        "amount",
    ),
    (
        "paying a paid invoice",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": "1.00"},
        409,
        "invoice",
    ),
    (
        "currency mismatch",
        "invoices/{invoice}/payments/",
        {"method": "cash", "amount": "1.00", "currency": "EUR"},
        400,
        "currency",
    ),
    (
        "unknown method",
        "invoices/{invoice}/payments/",
        {"method": "cheque", "amount": "1.00"},
        400,
        "method",
    ),
    (
        "refund above paid",
        "payments/{payment}/refunds/",
        {"amount": "1000.01", "reason": "x"},
        400,
        "amount",
    ),
    (
        "refund currency",
        "payments/{payment}/refunds/",
        {"amount": "1.00", "reason": "x", "currency": "USD"},
        400,
        "currency",
    ),
    (
        "negative line price",
        "invoices/",
        {"patient": "{pid}", "lines": [{"description": "x", "unit_price": "-1.00"}]},
        400,
        "lines.0.unit_price",
    ),
    ("no lines", "invoices/", {"patient": "{pid}", "lines": []}, 400, "lines"),
    (
        "discount above price",
        "invoices/",
        {
            "patient": "{pid}",
            "lines": [{"description": "x", "unit_price": "10.00", "discount": "10.01"}],
        },
        400,
        "lines.0",
    ),
    (
        "unknown patient",
        "invoices/",
        {"patient": 999999, "lines": [{"description": "x", "unit_price": "10.00"}]},
        400,
        "patient",
    ),
    ("redeem expired", "packages/{expired}/redeem/", {"appointment": "{later}"}, 400, "package"),
    (
        "credit above invoice",
        "invoices/{invoice}/credit-notes/",
        {"amount": "1000.01", "reason": "x"},
        400,
        "amount",
    ),
    ("unknown field", "checkout/", {"appointment": "{later}", "tip": "5.00"}, 400, "tip"),
    ("checkout before the session", "checkout/", {"appointment": "{later}"}, 409, "appointment"),
]


@pytest.mark.parametrize(("name", "path", "body", "status", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_4xx_naming_the_field_and_saves_nothing(
    paid, reception, name, path, body, status, field
):
    ids = {
        "invoice": paid["invoice"].pk,
        "payment": paid["payment"].pk,
        "pid": paid["p"].pk,
        "expired": paid["expired"].pk,
        "later": paid["later"].pk,
    }

    def fill(value):
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return ids[value[1:-1]]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    before = _state()
    response = reception.post(f"/api/{path.format(**ids)}", fill(body), format="json")
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert any(name == field or name.startswith(field + ".") for name in error["fields"]), error
    assert _state() == before


def _queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_lists_cost_the_same_queries_however_long_they_are(clinic, reception):
    p = cleared_patient()
    package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic))
    invoice_issue(actor=desk(), patient_id=p.pk, lines=[line(), line("5.00")])
    reception.get("/api/invoices/")  # the caller's access facts, cached from then on
    few = (
        _queries(reception, "/api/invoices/"),
        _queries(reception, f"/api/packages/?patient={p.pk}"),
    )
    for _ in range(5):
        package_sell(actor=desk(), patient_id=p.pk, plan=plan(clinic))
        invoice_issue(actor=desk(), patient_id=p.pk, lines=[line(), line("5.00")])
    many = (
        _queries(reception, "/api/invoices/"),
        _queries(reception, f"/api/packages/?patient={p.pk}"),
    )
    assert many == few and max(many) <= 6, (few, many)
