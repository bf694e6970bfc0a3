"""The receipt: a PDF (WeasyPrint, templates/billing/receipt.html) of an invoice with its
payments, downloadable and emailed through the outbox (messaging)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML

from billing.models import Invoice
from billing.selectors import outstanding
from messaging import outbox
from messaging.models import Message
from patients.models import Patient


def receipt_context(invoice: Invoice) -> dict[str, Any]:
    return {
        "clinic": settings.CLINIC_NAME,
        "address": settings.CLINIC_ADDRESS,
        "tax_id": settings.CLINIC_TAX_ID,
        "phone": settings.CLINIC_PHONE,
        "invoice": invoice,
        "lines": invoice.line_rows,
        "payments": list(invoice.payments.filter(status="succeeded")),
        "outstanding": outstanding(invoice),
        "issued": timezone.localtime(invoice.issued_at),
    }


def receipt_pdf(invoice: Invoice, language: str | None = None) -> bytes:
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        html = render_to_string("billing/receipt.html", receipt_context(invoice))
    # The stylesheet from static/ (the pages' CSP allows no inline style; same rule here).
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find("css/receipt.css"))])


def receipt_queue(*, invoice: Invoice, patient: Patient | None = None) -> bool:
    """Queue the receipt email in the caller's transaction (once per invoice)."""
    if patient is None:
        patient = Patient.objects.only("pk", "email").get(pk=invoice.patient_id)
    return outbox.enqueue_receipt(
        patient=patient, key=f"receipt-{invoice.pk}", number=invoice.number
    )


def receipt_attachments(message: Message) -> list[tuple[str, bytes, str]]:
    """The PDF of a receipt message, made when it is sent (messaging.compose)."""
    invoice = Invoice.objects.get(pk=int(message.key.removeprefix("receipt-")))
    language = message.patient.preferred_language or settings.LANGUAGE_CODE
    return [(f"receipt-{invoice.number}.pdf", receipt_pdf(invoice, language), "application/pdf")]
