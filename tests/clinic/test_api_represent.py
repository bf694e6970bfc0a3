"""clinic.api.represent: one output serializer per process answers as a new one would.

The booking's answer (bench row W) goes through it. A shared instance must keep nothing
from one call to the next: a held booking's deposit must not show on the next booking,
and each answer must equal what `BookedOutput(appointment).data` gives."""

from __future__ import annotations

import pytest

from appointments.api.serializers import AppointmentOutput, BookedOutput
from appointments.models import Status
from appointments.services import appointment_book
from clinic.api import represent
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.billing.deposit_helpers import book_online, deposit_clinic
from tests.billing.helpers import cleared_patient
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]


def test_each_answer_is_what_a_new_serializer_gives_and_nothing_carries_over():
    clinic = deposit_clinic()
    held = book_online(clinic, cleared_patient(), days=3, hour=10)
    desk = staff(Role.RECEPTION)
    booked = appointment_book(
        actor=Actor(user=desk),
        patient=cleared_patient(),
        treatment=clinic.face,
        start=local(days_ahead(4), 11),
    )
    assert held.status == Status.HELD and booked.status == Status.BOOKED

    first, second, again = (represent(BookedOutput, a) for a in (held, booked, held))

    assert first == BookedOutput(held).data == again
    assert second == BookedOutput(booked).data
    assert first["deposit"] is not None and first["deposit"]["amount"] == "300.00"
    assert second["deposit"] is None and second["id"] == booked.pk
    assert represent(AppointmentOutput, booked) == AppointmentOutput(booked).data


def test_a_shared_input_serializer_accepts_and_refuses_as_a_new_one_would():
    """clinic.api.validated checks the booking's body (BookInput.shared) by one instance
    per process: each body gets what a new BookInput gives, and nothing of one body (its
    values, its errors) is kept for the next."""
    from appointments.api.serializers import BookInput

    clinic = deposit_clinic()
    start = local(days_ahead(3), 10).isoformat()
    bodies = [
        {"treatment": clinic.face.pk, "start": start},
        {"treatment": 999999, "start": start},
        {"treatment": clinic.face.pk, "start": "tomorrow"},
        {"treatment": clinic.face.pk, "start": start, "colour": "red"},
        {"treatment": "1", "start": start, "practitioner": clinic.practitioners[0].pk},
        {"treatment": clinic.consultation.pk, "start": start, "patient": 7},
    ]

    answers = [_through_validated(BookInput, b) for b in bodies]
    assert answers == [_through_a_new_one(BookInput, b) for b in bodies]
    assert answers[0]["treatment"] == clinic.face.pk and "start" in answers[0]
    assert set(answers[1]) == {"treatment"} and set(answers[2]) == {"start"}
    assert set(answers[3]) == {"colour"} and set(answers[4]) == {"treatment"}
    assert answers[5]["patient"] == 7


def test_the_checkouts_shared_input_accepts_and_refuses_as_a_new_one_would():
    """CheckoutInput.shared (bench row P), with its nested lines: good and bad bodies."""
    from billing.api.serializers import CheckoutInput

    line = {"description": "Serum", "unit_price": "150.00"}
    bodies = [
        {"appointment": 5, "method": "cash"},
        {"appointment": 5, "method": "cash", "lines": [line, {**line, "quantity": 3}]},
        {"appointment": 5, "lines": [{**line, "unit_price": "-1"}, {"description": ""}]},
        {"appointment": 5, "method": "cheque", "amount": "0.00"},
        {"appointment": "5", "email_receipt": "yes"},
        {"appointment": 5, "currency": "EURO"},
        {"appointment": 5, "package": 3, "email_receipt": False, "tip": "1.00"},
        {"appointment": 5, "method": "card", "amount": "99.99", "currency": "UAH"},
    ]

    answers = [_through_validated(CheckoutInput, b) for b in bodies]
    assert answers == [_through_a_new_one(CheckoutInput, b) for b in bodies]
    assert answers[0] == {"appointment": 5, "method": "cash", "email_receipt": True}
    assert [dict(x)["quantity"] for x in answers[1]["lines"]] == [1, 3]
    assert set(answers[2]) == {"lines"} and set(answers[3]) == {"method", "amount"}
    assert set(answers[4]) == {"appointment", "email_receipt"} and set(answers[5]) == {"currency"}
    assert set(answers[6]) == {"tip"} and str(answers[7]["amount"]) == "99.99"


def test_the_checkouts_answer_is_what_new_output_serializers_give(db):
    from billing.api.serializers import InvoiceOutput, PaymentOutput
    from billing.services.invoices import invoice_issue
    from billing.services.payments import payment_take
    from tests.billing.helpers import desk, line

    p = cleared_patient()
    first = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("500.00"), line("20.00")])
    second = invoice_issue(actor=desk(), patient_id=p.pk, lines=[line("70.00")])
    paid = payment_take(actor=desk(), invoice=first, method="card", amount=first.total.amount)

    for invoice in (first, second, first):
        assert represent(InvoiceOutput, invoice) == InvoiceOutput(invoice).data
    assert len(represent(InvoiceOutput, second)["lines"]) == 1
    assert represent(PaymentOutput, paid) == PaymentOutput(paid).data


def _through_validated(serializer_class, body):
    from rest_framework.exceptions import ValidationError
    from rest_framework.parsers import JSONParser
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from clinic.api import validated

    request = APIView().initialize_request(APIRequestFactory().post("/", body, format="json"))
    request.parsers = [JSONParser()]
    try:
        return validated(serializer_class, request)
    except ValidationError as exc:
        return exc.detail


def _through_a_new_one(serializer_class, body):
    serializer = serializer_class(data=body)
    return dict(serializer.validated_data) if serializer.is_valid() else serializer.errors
