"""The desk's money pages: a patient's balance, credit and ledger; selling a package
(paid now or left open, all or nothing); refunds within reception's limit and above it
only by the manager; credit notes against an issued invoice. Errors beside the field,
nothing half-saved, every action audited; dermatologists and patients see none of it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import BillingPolicy, Invoice, LedgerEntry, Package, Payment, Refund
from billing.selectors import balance_of
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_take
from clinic.models import AuditEvent
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, line, plan
from tests.desk.helpers import client_for

pytestmark = [pytest.mark.django_db, at_clinic_now]
D = Decimal


def paid_invoice(p, price: str = "1000.00", method: str = "cash") -> tuple[Invoice, Payment]:
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line(price)])
    payment = payment_take(actor=desk(), invoice=invoice, method=method, amount=D(price))
    return invoice, payment


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.PATIENT, 403),
        (Role.DERMATOLOGIST, 403),
        (Role.RECEPTION, 200),
        (Role.MANAGER, 200),
    ],
)
def test_money_pages_answer_by_role(clinic, role, expected):
    p = cleared_patient()
    plan(clinic)
    invoice, payment = paid_invoice(p)
    client = client_for(role)
    for url in (
        f"/desk/patients/{p.pk}/money/",
        f"/desk/patients/{p.pk}/packages/sell/",
        f"/desk/payments/{payment.pk}/refund/",
        f"/desk/invoices/{invoice.pk}/credit-note/",
    ):
        assert client.get(url).status_code == expected, url


def test_the_patient_and_invoice_pages_link_to_the_money_pages(clinic):
    p = cleared_patient()
    invoice, payment = paid_invoice(p)
    reception = client_for(Role.RECEPTION)
    assert f"/desk/patients/{p.pk}/money/" in reception.get(f"/desk/patients/{p.pk}/").text
    page = reception.get(f"/desk/invoices/{invoice.pk}/").text
    assert f"/desk/payments/{payment.pk}/refund/" in page
    assert f"/desk/invoices/{invoice.pk}/credit-note/" in page


def test_the_money_page_shows_balance_credit_and_the_ledger(clinic):
    p = cleared_patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("1000.00")])
    payment_take(actor=desk(), invoice=invoice, method="cash", amount=D("400.00"))
    page = client_for(Role.RECEPTION).get(f"/desk/patients/{p.pk}/money/").text
    assert '<dd id="owed">600.00</dd>' in page and '<dd id="credit">0.00</dd>' in page
    assert invoice.number in page and page.count("<tr>") >= 1 + 1 + 2  # header, invoice, 2 rows
    assert "-400.00" in page


def test_selling_a_package_paid_by_card_issues_and_settles_its_invoice(clinic):
    p = cleared_patient()
    face = plan(clinic, sessions=7, price="7000.00")
    reception = client_for(Role.RECEPTION)
    response = reception.post(
        f"/desk/patients/{p.pk}/packages/sell/", {"plan": face.pk, "method": "card"}
    )
    package = Package.objects.get(patient=p)
    assert response.status_code == 302
    assert response["Location"] == f"/desk/invoices/{package.invoice_id}/"
    assert package.sessions_total == 7 and package.invoice.total.amount == D("7000.00")
    assert Payment.objects.get(invoice=package.invoice).amount.amount == D("7000.00")
    assert balance_of(p.pk).owed == D("0.00")
    assert set(AuditEvent.objects.filter(patient_id=p.pk).values_list("action", flat=True)) >= {
        "package.sell",
        "payment.take",
    }


def test_selling_unpaid_leaves_the_invoice_open(clinic):
    p = cleared_patient()
    face = plan(clinic, price="5000.00")
    client_for(Role.RECEPTION).post(
        f"/desk/patients/{p.pk}/packages/sell/", {"plan": face.pk, "method": ""}
    )
    assert Package.objects.filter(patient=p).count() == 1
    assert not Payment.objects.filter(patient_id=p.pk).exists()
    assert balance_of(p.pk).owed == D("5000.00")


def test_a_refused_payment_sells_nothing(clinic):
    """Paying a package from account credit the patient does not have: the error sits
    beside the method and neither the package nor its invoice nor a ledger row stays."""
    p = cleared_patient()
    face = plan(clinic, price="5000.00")
    response = client_for(Role.RECEPTION).post(
        f"/desk/patients/{p.pk}/packages/sell/", {"plan": face.pk, "method": "credit"}
    )
    assert response.status_code == 400
    assert not Package.objects.filter(patient=p).exists()
    assert not Invoice.objects.filter(patient=p).exists()
    assert not LedgerEntry.objects.filter(patient_id=p.pk).exists()


def test_selling_an_unknown_plan_is_an_error_beside_the_field(clinic):
    p = cleared_patient()
    plan(clinic)
    response = client_for(Role.RECEPTION).post(
        f"/desk/patients/{p.pk}/packages/sell/", {"plan": "999999", "method": "cash"}
    )
    assert response.status_code == 400
    assert 'class="field invalid"' in response.text
    assert not Package.objects.exists()


def test_reception_refunds_to_credit_within_its_limit(clinic):
    p = cleared_patient()
    invoice, payment = paid_invoice(p)
    response = client_for(Role.RECEPTION).post(
        f"/desk/payments/{payment.pk}/refund/",
        {"amount": "300.00", "to": "credit", "reason": "Session shortened"},
    )
    assert response.status_code == 302 and response["Location"] == f"/desk/invoices/{invoice.pk}/"
    refund = Refund.objects.get(payment=payment)
    assert refund.amount.amount == D("300.00") and refund.to == "credit"
    assert balance_of(p.pk).credit == D("300.00")
    assert AuditEvent.objects.filter(action="refund.make", patient_id=p.pk).exists()


def test_a_refund_above_reception_limit_is_refused_but_the_manager_makes_it(clinic):
    BillingPolicy.objects.create(reception_refund_limit=D("500.00"))
    p = cleared_patient()
    _, payment = paid_invoice(p)
    form = {"amount": "800.00", "to": "method", "reason": "Complaint"}
    refused = client_for(Role.RECEPTION).post(f"/desk/payments/{payment.pk}/refund/", form)
    assert refused.status_code == 400
    assert "At most 500.00 for reception." in refused.text
    assert not Refund.objects.exists()
    made = client_for(Role.MANAGER).post(f"/desk/payments/{payment.pk}/refund/", form)
    assert made.status_code == 302
    assert Refund.objects.get(payment=payment).amount.amount == D("800.00")
    assert balance_of(p.pk).owed == D("800.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("1000.01", "At most 1000.00."), ("0", "Ensure this value is greater than or equal to")],
)
def test_a_bad_refund_amount_is_shown_beside_the_field(clinic, amount, message):
    p = cleared_patient()
    _, payment = paid_invoice(p)
    response = client_for(Role.MANAGER).post(
        f"/desk/payments/{payment.pk}/refund/", {"amount": amount, "to": "method", "reason": "x"}
    )
    assert response.status_code == 400 and message in response.text
    assert not Refund.objects.exists()
    assert LedgerEntry.objects.filter(patient_id=p.pk).count() == 2


def test_a_credit_note_corrects_an_issued_invoice(clinic):
    p = cleared_patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("1000.00")])
    reception = client_for(Role.RECEPTION)
    response = reception.post(
        f"/desk/invoices/{invoice.pk}/credit-note/", {"amount": "250.00", "reason": "Discount"}
    )
    note = Invoice.objects.get(corrects=invoice)
    assert response["Location"] == f"/desk/invoices/{note.pk}/"
    assert note.total.amount == D("250.00") and balance_of(p.pk).owed == D("750.00")
    assert AuditEvent.objects.filter(action="invoice.credit_note", patient_id=p.pk).exists()
    again = reception.get(f"/desk/invoices/{note.pk}/credit-note/")
    assert again.status_code == 302  # a credit note is not corrected by another


def test_a_credit_note_above_the_invoice_is_refused_beside_the_amount(clinic):
    p = cleared_patient()
    invoice = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("1000.00")])
    response = client_for(Role.RECEPTION).post(
        f"/desk/invoices/{invoice.pk}/credit-note/", {"amount": "1500.00", "reason": "Oops"}
    )
    assert response.status_code == 400 and "At most 1000.00." in response.text
    assert not Invoice.objects.filter(corrects=invoice).exists()
    assert LedgerEntry.objects.filter(patient_id=p.pk).count() == 1
