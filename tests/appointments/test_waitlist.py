"""The waitlist: a freed slot is offered to the first matching patient; offers expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import OfferStatus, WaitlistOffer
from appointments.services.waitlist import waitlist_expire_offers
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import api, patient, staff

pytestmark = at_clinic_now


@pytest.fixture
def setting(db):
    clinic = build_clinic(practitioners=1, rooms=1, devices=0)
    desk = api(staff(Role.RECEPTION))
    holder = patient()
    start = local(days_ahead(3), 10)
    booked = desk.post(
        "/api/appointments/",
        {"treatment": clinic.consultation.pk, "patient": holder.pk, "start": start.isoformat()},
        format="json",
    ).json()
    return clinic, desk, booked, start


def join(p, clinic, **extra):
    return api(p.user).post(
        "/api/waitlist/",
        {
            "treatment": clinic.consultation.pk,
            "earliest": str(days_ahead(1)),
            "latest": str(days_ahead(10)),
            **extra,
        },
        format="json",
    )


def test_a_freed_slot_goes_to_the_first_waiting_patient_who_can_accept_it(setting):
    clinic, desk, booked, start = setting
    first, second = patient(), patient()
    assert join(first, clinic).status_code == 201
    assert join(second, clinic).status_code == 201
    desk.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "Patient ill"}, format="json")
    [offer] = WaitlistOffer.objects.all()
    assert offer.entry.patient_id == first.pk and offer.start == start
    from messaging.models import Message

    assert Message.objects.filter(patient=first, kind="waitlist_offer").exists()
    assert offer.expires_at > timezone.now()
    assert api(second.user).post(f"/api/waitlist/offers/{offer.pk}/accept/").status_code == 404
    accepted = api(first.user).post(f"/api/waitlist/offers/{offer.pk}/accept/")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["start"] == start.isoformat()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_an_expired_offer_passes_to_the_next_patient(setting):
    clinic, desk, booked, _ = setting
    first, second = patient(), patient()
    join(first, clinic)
    join(second, clinic)
    desk.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "x"}, format="json")
    offer = WaitlistOffer.objects.get()
    later = offer.expires_at + timedelta(seconds=1)
    assert waitlist_expire_offers(now=later) == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    nxt = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    assert nxt.entry.patient_id == second.pk
    late = api(first.user).post(f"/api/waitlist/offers/{offer.pk}/accept/")
    assert late.status_code == 409 and late.json()["error"]["code"] == "offer_expired"


def test_joining_needs_sensible_dates(setting):
    clinic, *_ = setting
    p = patient()
    bad = join(p, clinic, earliest=str(days_ahead(5)), latest=str(days_ahead(2)))
    assert bad.status_code == 400
    assert join(p, clinic, latest=str(days_ahead(400))).status_code == 400
