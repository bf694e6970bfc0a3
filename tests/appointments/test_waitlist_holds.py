"""A waitlist offer holds the freed slot for its patient until it expires: nobody else can
book it; her one tap turns the hold into the booking; a lapsed offer releases the hold and
passes the slot to the next patient with a new hold."""

from __future__ import annotations

from datetime import timedelta

from appointments.availability import free_slots
from appointments.models import Appointment, OfferStatus, Status, WaitlistOffer
from appointments.services.waitlist import waitlist_expire_offers
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.appointments.test_waitlist import join, setting  # noqa: F401 (a fixture)
from tests.factories import api, patient, staff

pytestmark = at_clinic_now


def cancelled_with_waiting(setting, n=2):  # noqa: F811
    clinic, desk, booked, start = setting
    waiting = [patient() for _ in range(n)]
    for p in waiting:
        assert join(p, clinic).status_code == 201
    desk.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "ill"}, format="json")
    return clinic, desk, start, waiting


def book_other(desk, clinic, start):
    body = {
        "treatment": clinic.consultation.pk,
        "start": start.isoformat(),
        "patient": patient().pk,
    }
    return desk.post("/api/appointments/", body, format="json")


def test_an_offer_holds_the_slot_until_it_expires(setting):  # noqa: F811
    clinic, desk, start, (first, _) = cancelled_with_waiting(setting)
    offer = WaitlistOffer.objects.select_related("appointment").get()
    hold = offer.appointment
    assert (hold.patient_id, hold.status, hold.start) == (first.pk, Status.HELD, start)
    assert hold.held_until == offer.expires_at
    day = start.date()
    offered = free_slots(treatment=clinic.consultation, start=day, end=day, staff=True)
    assert start not in {s.start for s in offered}
    refused = book_other(desk, clinic, start)
    assert refused.status_code == 409, refused.content


def test_the_one_tap_link_turns_the_hold_into_the_booking(setting, client):  # noqa: F811
    _clinic, _desk, start, (first, _) = cancelled_with_waiting(setting)
    offer = WaitlistOffer.objects.get()
    client.force_login(first.user)
    taken = client.post(f"/me/offers/{offer.pk}/")
    assert taken.status_code in (200, 302), taken.content
    booked = Appointment.objects.get(pk=offer.appointment_id)
    assert (booked.status, booked.held_until, booked.start) == (Status.BOOKED, None, start)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def test_a_lapsed_offer_releases_its_hold_and_holds_the_slot_for_the_next(
    setting,  # noqa: F811
    time_machine,
):
    clinic, desk, start, (first, second) = cancelled_with_waiting(setting)
    offer = WaitlistOffer.objects.get()
    time_machine.move_to(offer.expires_at + timedelta(seconds=1))
    assert waitlist_expire_offers() == 1
    assert Appointment.objects.get(pk=offer.appointment_id).status == Status.RELEASED
    nxt = WaitlistOffer.objects.select_related("appointment").get(status=OfferStatus.OPEN)
    assert nxt.entry.patient_id == second.pk
    assert (nxt.appointment.patient_id, nxt.appointment.status) == (second.pk, Status.HELD)
    assert book_other(desk, clinic, start).status_code == 409
    late = api(first.user).post(f"/api/waitlist/offers/{offer.pk}/accept/")
    assert late.status_code == 409 and late.json()["error"]["code"] == "offer_expired"
    taken = api(second.user).post(f"/api/waitlist/offers/{nxt.pk}/accept/")
    assert taken.status_code == 201, taken.content


def test_a_waiting_patient_busy_at_that_time_is_passed_over(db):
    clinic = build_clinic(practitioners=2, rooms=2, devices=0)
    desk = api(staff(Role.RECEPTION))
    start = local(days_ahead(3), 10)
    busy, free = patient(), patient()

    def book(who, practitioner):
        body = {
            "treatment": clinic.consultation.pk,
            "start": start.isoformat(),
            "patient": who.pk,
            "practitioner": practitioner.pk,
        }
        return desk.post("/api/appointments/", body, format="json").json()["id"]

    freed = book(patient(), clinic.practitioners[0])
    book(busy, clinic.practitioners[1])
    join(busy, clinic)  # first in line, but she has a session at that very time
    join(free, clinic)
    desk.post(f"/api/appointments/{freed}/cancel/", {"reason": "ill"}, format="json")
    offer = WaitlistOffer.objects.select_related("appointment").get()
    assert offer.entry.patient_id == free.pk
    assert offer.appointment.patient_id == free.pk
    assert not Appointment.objects.filter(patient=busy, status=Status.HELD).exists()


def test_offers_go_only_to_patients_whose_time_of_day_window_fits(setting):  # noqa: F811
    clinic, desk, booked, _start = setting  # a 10:00 half-hour consultation, clinic time
    mornings_late, whole_morning = patient(), patient()
    late = join(mornings_late, clinic, time_from="10:15", time_to="12:00")
    assert late.status_code == 201, late.content
    assert late.json()["time_from"] == "10:15:00"
    join(whole_morning, clinic, time_from="09:00", time_to="10:30")
    desk.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "ill"}, format="json")
    offer = WaitlistOffer.objects.get()
    assert offer.entry.patient_id == whole_morning.pk


def test_the_api_refuses_half_a_window_or_a_reversed_one_naming_the_field(setting):  # noqa: F811
    clinic = setting[0]
    p = patient()
    half = join(p, clinic, time_from="09:00")
    assert half.status_code == 400 and "time_to" in half.json()["error"]["fields"]
    backwards = join(p, clinic, time_from="12:00", time_to="09:00")
    assert backwards.status_code == 400 and "time_to" in backwards.json()["error"]["fields"]
    from appointments.models import WaitlistEntry

    assert not WaitlistEntry.objects.filter(patient=p).exists()


def test_the_patients_list_shows_no_hold_as_a_booking(setting, client):  # noqa: F811
    _clinic, _desk, _start, (first, _) = cancelled_with_waiting(setting)
    offer = WaitlistOffer.objects.get()
    client.force_login(first.user)
    page = client.get("/me/appointments/")
    assert page.status_code == 200
    shown = [a.pk for a, _ok in page.context["upcoming"]] + [a.pk for a in page.context["past"]]
    assert offer.appointment_id not in shown
    client.post(f"/me/offers/{offer.pk}/")
    page = client.get("/me/appointments/")
    assert [a.pk for a, _ok in page.context["upcoming"]] == [offer.appointment_id]
