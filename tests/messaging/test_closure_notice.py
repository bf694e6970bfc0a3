"""The closure notice, delivered to a real SMTP server: in the patient's language, the
closed day and reason, a link to choose another time; once per session."""

from __future__ import annotations

import pytest

from appointments.services.closures import ClosureInput, closure_save
from clinic.audit import Actor
from clinic.roles import Role
from messaging import delivery
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import staff
from tests.messaging.helpers import book

pytestmark = [pytest.mark.django_db, at_clinic_now]


def test_the_closure_notice_reaches_the_patient_in_her_language(
    clinic, cleared, smtp_settings, settings
):
    booked = book(clinic, cleared, local(days_ahead(6), 11))
    closure_save(
        actor=Actor(user=staff(Role.MANAGER)),
        data=ClosureInput(days_ahead(6), days_ahead(6), "Прорив труби"),
        close_anyway=True,
    )
    (notice,) = Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE)
    result = delivery.deliver_batch([notice.pk])
    assert result.sent == 1
    notice.refresh_from_db()
    assert notice.status == MessageStatus.SENT and notice.appointment_id == booked.pk
    (received,) = smtp_settings.received
    body = received.email.get_body(("plain",)).get_content()
    assert received.email["Content-Language"] == "uk"
    assert "Клініка зачинена" in received.email["Subject"]
    assert "Прорив труби" in body and "11:00" in body
    assert f"{settings.CLINIC_BASE_URL.rstrip('/')}/me/appointments/" in body
