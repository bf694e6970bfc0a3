"""The money pages: the desk's checkout (from the appointment page) and the patient's own
invoices and packages; dermatologists and other patients see none of it."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from billing.models import Invoice
from billing.services.invoices import invoice_issue
from billing.services.packages import package_sell
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, line, plan, session
from tests.factories import login_staff, patient, staff

pytestmark = at_clinic_now


def staff_client(role: Role) -> Client:
    client = Client()
    login_staff(client, staff(role))
    return client


def test_the_appointment_page_offers_checkout_after_check_in(clinic):
    visit = session(clinic, cleared_patient())
    page = staff_client(Role.RECEPTION).get(f"/desk/appointments/{visit.pk}/")
    assert f"/desk/appointments/{visit.pk}/checkout/" in page.content.decode()


def test_checkout_page_pays_and_shows_the_invoice_with_the_next_booking(clinic):
    visit = session(clinic, cleared_patient())
    client = staff_client(Role.RECEPTION)
    form = client.get(f"/desk/appointments/{visit.pk}/checkout/")
    assert form.status_code == 200 and "1200.00" in form.content.decode()
    done = client.post(
        f"/desk/appointments/{visit.pk}/checkout/",
        {"method": "card", "amount": "", "email_receipt": "on"},
        follow=True,
    )
    invoice = Invoice.objects.get(appointment=visit)
    text = done.content.decode()
    assert invoice.number in text and "Book the next session" in text
    assert f"/desk/patients/{visit.patient_id}/book/?treatment={clinic.face.pk}" in text
    pdf = client.get(f"/desk/invoices/{invoice.pk}/receipt.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    again = client.get(f"/desk/appointments/{visit.pk}/checkout/")
    assert again.status_code == 302 and again["Location"] == f"/desk/invoices/{invoice.pk}/"


def test_a_bad_amount_is_shown_beside_the_field_and_nothing_is_saved(clinic):
    visit = session(clinic, cleared_patient())
    response = staff_client(Role.RECEPTION).post(
        f"/desk/appointments/{visit.pk}/checkout/", {"method": "cash", "amount": "5000.00"}
    )
    assert response.status_code == 400
    assert "At most 1200.00." in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_dermatologist_cannot_open_checkout(clinic):
    visit = session(clinic, cleared_patient())
    client = staff_client(Role.DERMATOLOGIST)
    assert client.get(f"/desk/appointments/{visit.pk}/checkout/").status_code == 403


def test_a_patient_sees_their_invoices_packages_and_sessions_left(clinic):
    own, other = cleared_patient(), patient()
    mine = invoice_issue(actor=desk(), patient_id=own.pk, lines=[line("250.00")])
    theirs = invoice_issue(actor=desk(), patient_id=other.pk, lines=[line("999.00")])
    package_sell(actor=desk(), patient_id=own.pk, plan=plan(clinic, sessions=7))
    client = Client()
    client.force_login(own.user)
    page = client.get("/me/billing/").content.decode()
    assert mine.number in page and theirs.number not in page
    assert "7 of 7 sessions left" in page and "To pay: 9250.00" in page
    assert client.get(f"/me/billing/invoices/{mine.pk}/receipt.pdf").status_code == 200
    assert client.get(f"/me/billing/invoices/{theirs.pk}/receipt.pdf").status_code == 404
    staff_page = staff_client(Role.DERMATOLOGIST).get("/me/billing/")
    assert staff_page.status_code == 403


def test_the_invoice_lists_cost_the_same_queries_for_one_invoice_or_six(clinic):
    """What is left on each invoice comes with the list, not one query per invoice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.services.payments import payment_take

    own = cleared_patient()
    client = Client()
    client.force_login(own.user)
    reception = staff_client(Role.RECEPTION)
    pages = [(client, "/me/billing/"), (reception, f"/desk/patients/{own.pk}/money/")]

    def counts() -> list[int]:
        found = []
        for who, url in pages:
            with CaptureQueriesContext(connection) as ctx:
                assert who.get(url).status_code == 200
            found.append(len(ctx))
        return found

    first = invoice_issue(actor=desk(), patient_id=own.pk, lines=[line("250.00")])
    payment_take(actor=desk(), invoice=first, method="cash", amount=Decimal("50.00"))
    counts()  # each user's access facts come into the shared cache on a first request
    one = counts()
    for amount in ("100.00", "200.00", "300.00", "400.00", "500.00"):
        later = invoice_issue(actor=desk(), patient_id=own.pk, lines=[line(amount)])
        payment_take(actor=desk(), invoice=later, method="card", amount=Decimal("10.00"))
    assert counts() == one
    assert "To pay: 1650.00" in client.get("/me/billing/").content.decode()
