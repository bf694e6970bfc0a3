"""The reception desk's pages through Django's test client: who may open them, patient
search and registration with the duplicate warning, booking on behalf with collisions
and alternatives, check-in, no-show, move and cancel with a reason, the waitlist."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, Status, WaitlistEntry, WaitlistOffer
from appointments.services import appointment_cancel
from clinic.audit import Actor
from clinic.roles import Role
from patients.models import Patient, Screening
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, booked_earlier_today, cleared_patient, client_for
from tests.factories import patient, screen, staff, token_api

pytestmark = [pytest.mark.django_db, at_clinic_now]


def slot(start, practitioner=None) -> str:
    return f"{start.isoformat()}|{practitioner.pk if practitioner else ''}"


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.PATIENT, 403), (Role.DERMATOLOGIST, 403), (Role.RECEPTION, 200)],
)
def test_desk_pages_answer_by_role(clinic, role, expected):
    p = cleared_patient()
    a = book(p, clinic.face, local(days_ahead(2), 10))
    client = client_for(role)
    for url in (
        "/desk/patients/",
        "/desk/patients/new/",
        f"/desk/patients/{p.pk}/",
        f"/desk/patients/{p.pk}/book/",
        f"/desk/patients/{p.pk}/course/",
        f"/desk/patients/{p.pk}/waitlist/",
        f"/desk/appointments/{a.pk}/",
        f"/desk/appointments/{a.pk}/check-in/",
        f"/desk/appointments/{a.pk}/move/",
        f"/desk/appointments/{a.pk}/cancel/",
        "/desk/waitlist/",
    ):
        assert client.get(url).status_code == expected, url


def test_unknown_patients_and_appointments_are_not_found(reception):
    assert reception.get("/desk/patients/999999/").status_code == 404
    assert reception.get("/desk/appointments/999999/").status_code == 404
    assert reception.post("/desk/appointments/999999/no-show/").status_code == 404


def test_patient_search_by_name_phone_or_email_refreshes_with_htmx(reception):
    p = patient(first_name="Oksana", last_name="Tkachenko", phone="+380671110002")
    for query in ("tkach", "0671110002", p.email):
        page = reception.get("/desk/patients/", {"q": query}).content.decode()
        assert "Oksana Tkachenko" in page and f"/desk/patients/{p.pk}/" in page
    partial = reception.get("/desk/patients/", {"q": "nobody"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "Nobody matches" in partial.content.decode()


REGISTER = {
    "first_name": "Mariia",
    "last_name": "Hnatiuk",
    "date_of_birth": "1990-06-15",
    "phone": "+380501112233",
    "email": "mariia@example.com",
    "preferred_language": "uk",
    "remind_by_email": "on",
}


def test_registering_a_patient_opens_their_page(reception):
    response = reception.post("/desk/patients/new/", REGISTER)
    created = Patient.objects.get(email="mariia@example.com")
    assert response["Location"] == f"/desk/patients/{created.pk}/"
    assert created.created_by == reception.user and created.preferred_language == "uk"


def test_the_same_phone_is_refused_beside_the_field_and_nothing_is_saved(reception):
    known = patient(first_name="Anna", last_name="Bondarenko", phone="+380501112233")
    response = reception.post("/desk/patients/new/", REGISTER)
    page = response.content.decode()
    assert response.status_code == 409
    assert "This patient may already be registered" in page
    assert f"/desk/patients/{known.pk}/" in page
    assert f"Already registered for {known.full_name}." in page
    assert 'name="not_a_duplicate" type="checkbox"' not in page  # no way round it
    assert not Patient.objects.filter(email="mariia@example.com").exists()


def test_same_name_and_birth_date_can_be_confirmed_as_another_person(reception):
    patient(first_name="Mariia", last_name="Hnatiuk", date_of_birth=date(1990, 6, 15))
    first = reception.post("/desk/patients/new/", REGISTER)
    assert first.status_code == 409 and "tick the box below" in first.content.decode()
    assert 'type="checkbox" name="not_a_duplicate"' in first.content.decode()
    second = reception.post("/desk/patients/new/", {**REGISTER, "not_a_duplicate": "on"})
    assert second.status_code == 302
    assert Patient.objects.filter(last_name="Hnatiuk").count() == 2


def test_bad_registration_input_is_shown_by_the_field(reception):
    bad = {**REGISTER, "date_of_birth": "2099-01-01", "phone": "12", "remind_by_sms": "on"}
    response = reception.post("/desk/patients/new/", bad)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Date of birth cannot be in the future." in page
    assert "Enter a valid phone number" in page
    assert not Patient.objects.filter(last_name="Hnatiuk").exists()


def test_the_patient_page_shows_clearance_but_not_the_clinical_notes(clinic, reception):
    p = cleared_patient()
    not_yet = patient()
    page = reception.get(f"/desk/patients/{p.pk}/").content.decode()
    assert "Cleared" in page and "Healthy." not in page  # the consultation's anamnesis
    assert "Book a course" in page
    other = reception.get(f"/desk/patients/{not_yet.pk}/").content.decode()
    assert "Please answer the safety questionnaire." in other
    assert "A consultation with a dermatologist is needed before this treatment." in other
    assert "Book a course" not in other


def test_booking_on_behalf_shows_the_free_times_and_books_one(clinic, reception):
    p = cleared_patient()
    day = days_ahead(2)
    url = f"/desk/patients/{p.pk}/book/?treatment={clinic.face.pk}&day={day}"
    page = reception.get(url).content.decode()
    assert "10:00 · Dr 0" in page and "10:00 · Dr 1" in page
    start = local(day, 10)
    response = reception.post(url, {"slot": slot(start, clinic.practitioners[1])})
    assert response["Location"] == f"/desk/patients/{p.pk}/"
    booked = Appointment.objects.get(patient=p)
    assert (booked.start, booked.practitioner, booked.booked_via) == (
        start,
        clinic.practitioners[1],
        "desk",
    )


def test_a_colliding_booking_shows_the_conflict_and_the_nearest_free_times(clinic, reception):
    p = cleared_patient()
    start = local(days_ahead(2), 10)
    book(cleared_patient(), clinic.face, start, practitioner_id=clinic.practitioners[0].pk)
    url = f"/desk/patients/{p.pk}/book/?treatment={clinic.face.pk}&day={days_ahead(2)}"
    response = reception.post(url, {"slot": slot(start, clinic.practitioners[0])})
    page = response.content.decode()
    assert response.status_code == 409
    assert "That time is no longer free" in page and "Nearest free times" in page
    # The one device is busy until 10:55: the nearest times are before and after.
    assert "09:00 · Dr 0" in page and "11:00 · Dr 1" in page
    assert not Appointment.objects.filter(patient=p).exists()


def test_a_patient_not_cleared_gets_no_times_and_a_reason_without_the_finding(clinic, reception):
    p = patient()
    screen(p, yes={"pacemaker"})
    url = f"/desk/patients/{p.pk}/book/?treatment={clinic.face.pk}&day={days_ahead(2)}"
    page = reception.get(url).content.decode()
    assert "Not cleared for this treatment" in page and "Artificial pacemaker" not in page
    assert "A dermatologist must review the record first." in page  # the why, not the finding
    assert 'name="slot"' not in page
    refused = reception.post(url, {"slot": slot(local(days_ahead(2), 10))})
    assert refused.status_code == 400
    assert not Appointment.objects.filter(patient=p).exists()


def test_check_in_of_a_device_session_needs_the_questionnaire_confirmed(clinic, reception):
    p = cleared_patient()
    a = booked_earlier_today(p, clinic.face)
    url = f"/desk/appointments/{a.pk}/check-in/"
    refused = reception.post(url, {})
    assert refused.status_code == 400
    assert "Confirm the questionnaire with the patient." in refused.content.decode()
    a.refresh_from_db()
    assert a.status == Status.BOOKED
    response = reception.post(url, {"screening_confirmed": "on"})
    assert response.status_code == 302 and "/desk/?day=" in response["Location"]
    a.refresh_from_db()
    assert a.status == Status.CHECKED_IN
    assert Screening.objects.filter(patient=p, confirmed_at__isnull=False).exists()


def test_check_in_is_on_the_day_only(clinic, reception):
    a = book(cleared_patient(), clinic.consultation, local(days_ahead(2), 10))
    response = reception.post(f"/desk/appointments/{a.pk}/check-in/", {})
    assert response.status_code == 400
    assert "Check-in is on the day of the appointment." in response.content.decode()


def test_a_no_show_is_marked_after_the_start_only(clinic, reception):
    future = book(cleared_patient(), clinic.consultation, local(days_ahead(2), 10))
    response = reception.post(f"/desk/appointments/{future.pk}/no-show/", follow=True)
    assert "A no-show can be marked only after the start time." in response.content.decode()
    started = booked_earlier_today(cleared_patient(), clinic.consultation)
    reception.post(f"/desk/appointments/{started.pk}/no-show/")
    future.refresh_from_db()
    started.refresh_from_db()
    assert (future.status, started.status) == (Status.BOOKED, Status.NO_SHOW)


def test_a_no_show_is_confirmed_first_and_undone_the_same_day(clinic, reception, time_machine):
    """Issue 16: no-show had no confirmation and no undo."""
    started = booked_earlier_today(cleared_patient(), clinic.consultation)
    url = f"/desk/appointments/{started.pk}/no-show/"
    page = reception.get(f"/desk/appointments/{started.pk}/").content.decode()
    assert f'href="{url}"' in page  # a link to the question, not a button that acts
    asked = reception.get(url)
    assert asked.status_code == 200 and "as a no-show?" in asked.content.decode()
    started.refresh_from_db()
    assert started.status == Status.BOOKED  # asking changes nothing
    reception.post(url)
    page = reception.get(f"/desk/appointments/{started.pk}/").content.decode()
    assert "Undo the no-show" in page
    undone = reception.post(f"{url}undo/", follow=True)
    assert "No-show undone" in undone.content.decode()
    started.refresh_from_db()
    assert started.status == Status.BOOKED
    reception.post(url)
    time_machine.move_to(timezone.localtime() + timedelta(days=1))
    desk = token_api(staff(Role.RECEPTION))
    late = desk.post(f"/api/appointments/{started.pk}/no-show/undo/", {}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "undo_too_late"
    started.refresh_from_db()
    assert started.status == Status.NO_SHOW


def test_moving_needs_a_reason_and_a_free_time(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    url = f"/desk/appointments/{a.pk}/move/"
    page = reception.get(url, {"day": days_ahead(3).isoformat()}).content.decode()
    assert "12:00 · Dr 0" in page
    new_start = local(days_ahead(3), 12)
    refused = reception.post(url, {"slot": slot(new_start)})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    moved = reception.post(url, {"slot": slot(new_start), "reason": "Patient asked by phone"})
    assert moved["Location"] == f"/desk/patients/{a.patient_id}/"
    a.refresh_from_db()
    assert (a.start, a.status_reason) == (new_start, "Patient asked by phone")


def test_moving_onto_a_taken_time_shows_the_conflict_and_alternatives(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    taken = local(days_ahead(3), 12)
    for doctor in clinic.practitioners:
        book(cleared_patient(), clinic.consultation, taken, practitioner_id=doctor.pk)
    response = reception.post(
        f"/desk/appointments/{a.pk}/move/", {"slot": slot(taken), "reason": "Asked"}
    )
    assert response.status_code == 409
    assert "Nearest free times" in response.content.decode()
    a.refresh_from_db()
    assert a.start == local(days_ahead(2), 10)


def test_cancelling_needs_a_reason_from_the_list(clinic, reception):
    from appointments.models import CancelReason

    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    url = f"/desk/appointments/{a.pk}/cancel/"
    page = reception.get(url).content.decode()
    assert "Illness" in page and "Work or schedule conflict" in page and "Other" in page
    illness, other = (
        CancelReason.objects.get(code="illness"),
        CancelReason.objects.get(code="other"),
    )
    missing = reception.post(url, {"reason": "Ill"})
    assert missing.status_code == 400 and "Choose a reason." in missing.content.decode()
    bare_other = reception.post(url, {"reason_id": other.pk, "reason": " "})
    assert bare_other.status_code == 400
    assert "this reason needs a note" in bare_other.content.decode()
    assert reception.post(url, {"reason_id": illness.pk}).status_code == 302
    a.refresh_from_db()
    assert (a.status, a.cancel_reason, a.status_reason) == (Status.CANCELLED, illness, "Illness")
    again = reception.post(url, {"reason_id": illness.pk})
    assert again.status_code == 400 and "Only a booked appointment" in again.content.decode()


def test_other_with_a_note_keeps_the_note(clinic, reception):
    from appointments.models import CancelReason

    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    other = CancelReason.objects.get(code="other")
    url = f"/desk/appointments/{a.pk}/cancel/"
    assert reception.post(url, {"reason_id": other.pk, "reason": "Flat flooded"}).status_code == 302
    a.refresh_from_db()
    assert (a.cancel_reason, a.status_reason) == (other, "Flat flooded")


def test_a_reason_the_manager_switched_off_is_not_offered(clinic, reception):
    from appointments.models import CancelReason

    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    CancelReason.objects.filter(code="travel").update(is_active=False)
    travel = CancelReason.objects.get(code="travel")
    url = f"/desk/appointments/{a.pk}/cancel/"
    assert "Travel" not in reception.get(url).content.decode()
    assert reception.post(url, {"reason_id": travel.pk}).status_code == 400
    a.refresh_from_db()
    assert a.status == Status.BOOKED


def test_joining_the_waitlist_and_booking_a_freed_slot_for_the_patient(clinic, reception):
    waiting = cleared_patient(last_name="Waiting")
    form = {
        "treatment": clinic.face.pk,
        "earliest": days_ahead(1).isoformat(),
        "latest": days_ahead(10).isoformat(),
    }
    bad = reception.post(f"/desk/patients/{waiting.pk}/waitlist/", {**form, "latest": "2000-01-01"})
    assert bad.status_code == 400
    assert reception.post(f"/desk/patients/{waiting.pk}/waitlist/", form).status_code == 302
    assert WaitlistEntry.objects.filter(patient=waiting).exists()
    freed = book(cleared_patient(), clinic.face, local(days_ahead(3), 10))
    appointment_cancel(actor=Actor(user=staff(Role.RECEPTION)), appointment=freed, reason="Ill")
    offer = WaitlistOffer.objects.get(entry__patient=waiting)
    page = reception.get("/desk/waitlist/").content.decode()
    assert "Waiting" in page and "Book it" in page
    response = reception.post(f"/desk/waitlist/offers/{offer.pk}/accept/")
    booked = Appointment.objects.get(patient=waiting)
    assert response["Location"] == f"/desk/appointments/{booked.pk}/"
    assert booked.start == freed.start


def test_a_patient_not_cleared_cannot_join_the_waitlist(clinic, reception):
    p = patient()
    screen(p)
    form = {
        "treatment": clinic.face.pk,
        "earliest": days_ahead(1).isoformat(),
        "latest": days_ahead(5).isoformat(),
    }
    response = reception.post(f"/desk/patients/{p.pk}/waitlist/", form)
    assert response.status_code == 400
    assert "A consultation with a dermatologist is needed" in response.content.decode()
    assert not WaitlistEntry.objects.filter(patient=p).exists()


def test_the_cached_day_grid_shows_every_change_however_it_was_made(clinic, reception):
    """The grid's HTML is cached under a fingerprint of what it shows: a rename, a status
    change or a closure made behind the app's back (queryset updates, no signals) still
    shows at the next request, and an unchanged day is served the same page."""
    from appointments.models import ClinicPolicy

    day = days_ahead(2)
    p = cleared_patient(first_name="Marta")
    a = book(p, clinic.face, local(day, 10))
    url = f"/desk/?day={day.isoformat()}"

    def grid() -> str:
        page = reception.get(url).content.decode()
        return page[page.index('<section id="desk-grid"') : page.index("</section>")]

    first = grid()
    assert "Marta" in first
    assert grid() == first  # served again, unchanged

    Patient.objects.filter(pk=p.pk).update(first_name="Mariia")
    assert "Mariia" in reception.get(url).content.decode()
    Appointment.objects.filter(pk=a.pk).update(status=Status.CHECKED_IN)
    assert "checked in 1" in reception.get(url).content.decode()
    ClinicPolicy.objects.filter(pk=1).update(device_buffer_minutes=30)  # the version moves
    htmx = reception.get(url, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.content.decode()
    assert "Mariia" in htmx.content.decode()
