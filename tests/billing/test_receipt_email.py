"""The receipt by email: queued in the outbox by checkout, delivered by the outbox's own
delivery to a real local SMTP server, with the PDF attached, in the patient's language."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from io import BytesIO

import pytest
from pypdf import PdfReader

from billing.services.checkout import checkout
from messaging import delivery
from messaging.models import Message
from patients.models import Patient
from tests.appointments.clinic_setup import at_clinic_now
from tests.billing.helpers import cleared_patient, desk, priced_clinic, session
from tests.messaging.smtp import RecordingSMTPServer, delivering_to

pytestmark = at_clinic_now


@pytest.fixture
def smtp() -> Iterator[RecordingSMTPServer]:
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = RecordingSMTPServer()
    server.start()
    with delivering_to(server.port):
        yield server
    server.stop()


def test_the_receipt_goes_by_email_with_its_pdf_once(db, smtp):
    clinic = priced_clinic()
    p = cleared_patient()
    Patient.objects.filter(pk=p.pk).update(preferred_language="uk", remind_by_email=False)
    result = checkout(actor=desk(), appointment_id=session(clinic, p).pk, method="cash")
    receipt = Message.objects.get(kind="receipt")
    delivery.deliver_batch([receipt.pk])
    delivery.deliver_batch([receipt.pk])  # claimed once: a second batch sends nothing

    (mail,) = smtp.received
    email = mail.email
    assert email["To"] == p.email and result.invoice.number in email["Subject"]
    assert email["Content-Language"] == "uk"
    (pdf,) = [a for a in email.iter_attachments() if a.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"receipt-{result.invoice.number}.pdf"
    text = " ".join(PdfReader(BytesIO(pdf.get_content())).pages[0].extract_text().split())
    assert result.invoice.number in text and "1200,00" in text  # Ukrainian decimals
    receipt.refresh_from_db()
    assert receipt.status == "sent"
