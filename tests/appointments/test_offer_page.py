"""A waitlist offer's message carries a link to the patient's offer page, where one tap
books the freed time; another patient's offer is a 404; an expired one says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, OfferStatus, Status, WaitlistOffer
from messaging.models import Message, MessageKind
from tests.appointments.clinic_setup import at_clinic_now
from tests.appointments.test_waitlist import join, setting  # noqa: F401 (a fixture)
from tests.factories import patient

pytestmark = [pytest.mark.django_db, at_clinic_now]


def offered(setting):  # noqa: F811
    clinic, desk, booked, start = setting
    waiting = patient()
    assert join(waiting, clinic).status_code == 201
    desk.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "Ill"}, format="json")
    (offer,) = WaitlistOffer.objects.all()
    return waiting, offer, start


def test_the_offer_message_links_to_a_page_where_one_tap_books_the_time(client, setting):  # noqa: F811
    waiting, offer, start = offered(setting)
    message = Message.objects.filter(patient=waiting, kind=MessageKind.WAITLIST_OFFER).first()
    url = message.context["url"]
    assert url.endswith(f"/me/offers/{offer.pk}/")
    client.force_login(waiting.user)
    path = f"/me/offers/{offer.pk}/"
    page = client.get(path).content.decode()
    assert "Book this time" in page and "10:00" in page
    response = client.post(path)
    assert response.status_code == 302 and response["Location"] == "/me/appointments/"
    booked = Appointment.objects.get(patient=waiting)
    assert (booked.start, booked.status) == (start, Status.BOOKED)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_another_patients_offer_is_not_found_and_an_expired_one_books_nothing(
    client,
    setting,  # noqa: F811
):
    waiting, offer, _start = offered(setting)
    client.force_login(patient().user)
    assert client.get(f"/me/offers/{offer.pk}/").status_code == 404
    assert client.post(f"/me/offers/{offer.pk}/").status_code == 404
    lapsed = timezone.now() - timedelta(minutes=1)
    WaitlistOffer.objects.filter(pk=offer.pk).update(expires_at=lapsed)
    Appointment.objects.filter(pk=offer.appointment_id).update(held_until=lapsed)
    client.force_login(waiting.user)
    assert "no longer open" in client.get(f"/me/offers/{offer.pk}/").content.decode()
    refused = client.post(f"/me/offers/{offer.pk}/")
    assert refused.status_code == 409 and "expired" in refused.content.decode()
    # The offer's lapsed hold stays unconfirmed: nothing booked for her.
    assert not Appointment.objects.filter(patient=waiting).exclude(status=Status.HELD).exists()
