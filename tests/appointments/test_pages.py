"""The patient's booking pages through Django's test client: the gates, the HTMX picker,
booking, a time taken meanwhile, cancel and move inside and outside the policy, .ics."""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlencode

import pytest

from appointments.models import Appointment, ClinicPolicy, Status
from appointments.services import appointment_book
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import consult, login_staff, patient, screen, staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
FACE = "microcurrent-therapy-face"


@pytest.fixture
def clinic(db):
    return build_clinic()


@pytest.fixture
def cleared(db):
    p = patient(consented=False)  # "my appointments" asks for the consent
    screen(p)
    consult(p)
    return p


def logged_in(client, p):
    client.force_login(p.user)
    return client


def book(p, treatment, start):
    return appointment_book(actor=Actor(user=p.user), patient=p, treatment=treatment, start=start)


def test_booking_needs_a_login_and_a_patient(client, clinic):
    assert client.get("/book/")["Location"].startswith("/accounts/login/")
    login_staff(client, staff(Role.RECEPTION))
    assert client.get("/book/").status_code == 403


def test_the_questionnaire_comes_before_the_first_booking(client, clinic):
    p = patient()
    response = logged_in(client, p).get(f"/book/{FACE}/?day=2030-01-01")
    assert response.status_code == 302
    assert response["Location"] == "/me/questionnaire/?" + urlencode(
        {"next": f"/book/{FACE}/?day=2030-01-01"}
    )


def test_a_patient_not_cleared_is_offered_a_consultation_and_told_why(client, clinic):
    p = patient()
    screen(p)
    response = logged_in(client, p).get(f"/book/{FACE}/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "A consultation with a dermatologist is needed before this treatment." in page
    assert "/book/initial-consultation/" in page


def test_a_declared_pacemaker_means_please_call_the_clinic(client, clinic):
    p = patient()
    screen(p, yes={"pacemaker"})
    page = logged_in(client, p).get(f"/book/{FACE}/").content.decode()
    assert "Please call the clinic" in page and "Artificial pacemaker" in page
    assert "/book/initial-consultation/" not in page


def test_the_htmx_picker_returns_only_the_times_of_the_chosen_day(client, clinic, cleared):
    day = days_ahead(3)
    response = logged_in(client, cleared).get(
        f"/book/{FACE}/", {"day": day.isoformat()}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'id="picker"' in page and ">10:00<" in page
    assert "HX-Request" in response["Vary"]
    bad = client.get(f"/book/{FACE}/", {"day": "not-a-date"})
    assert bad.status_code == 200 and "Enter a valid date." in bad.content.decode()


def test_confirming_a_time_books_it_online(client, clinic, cleared):
    start = local(days_ahead(3), 10)
    client = logged_in(client, cleared)
    summary = client.get(f"/book/{FACE}/confirm/", {"start": start.isoformat()})
    assert summary.status_code == 200 and "10:00" in summary.content.decode()
    response = client.post(f"/book/{FACE}/confirm/", {"start": start.isoformat()})
    assert response["Location"] == "/me/appointments/"
    booked = Appointment.objects.get(patient=cleared)
    assert (booked.start, booked.booked_via, booked.status) == (start, "online", Status.BOOKED)


def test_a_time_taken_meanwhile_shows_a_clear_message_and_fresh_times(client, clinic, cleared):
    start = local(days_ahead(3), 10)
    for _ in clinic.practitioners:  # every practitioner is taken at that time
        other = patient()
        screen(other)
        book(other, clinic.consultation, start)
    response = logged_in(client, cleared).post(
        f"/book/{FACE}/confirm/", {"start": start.isoformat()}
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "that time was just taken" in page
    assert ">10:00<" not in page and ">11:00<" in page
    assert not Appointment.objects.filter(patient=cleared).exists()


def test_a_bad_start_goes_back_to_the_picker_with_a_message(client, clinic, cleared):
    client = logged_in(client, cleared)
    response = client.post(f"/book/{FACE}/confirm/", {"start": "tomorrow-ish"}, follow=True)
    assert response.status_code == 200
    assert "Please choose a time from the list." in response.content.decode()
    off_grid = local(days_ahead(3), 10, 7).isoformat()
    response = client.post(f"/book/{FACE}/confirm/", {"start": off_grid})
    assert response.status_code == 400 and "grid" in response.content.decode()


def test_my_appointments_lists_upcoming_and_past_in_few_queries(
    client, clinic, cleared, django_assert_max_num_queries
):
    for n in range(4):
        book(cleared, clinic.face, local(days_ahead(3 + n * 3), 10))
    client = logged_in(client, cleared)
    with django_assert_max_num_queries(14):
        page = client.get("/me/appointments/").content.decode()
    assert page.count('class="appointment card"') == 4
    assert "please read and accept the treatment consent" in page


def test_cancelling_inside_the_policy_and_being_refused_outside_it(client, clinic, cleared):
    appointment = book(cleared, clinic.face, local(days_ahead(3), 10))
    client = logged_in(client, cleared)
    assert client.get(f"/me/appointments/{appointment.pk}/cancel/").status_code == 200
    assert client.post(f"/me/appointments/{appointment.pk}/cancel/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED

    later = book(cleared, clinic.face, local(days_ahead(4), 10))
    ClinicPolicy.objects.filter(id=1).update(patient_cancel_cutoff_hours=24 * 30)

    refused = client.post(f"/me/appointments/{later.pk}/cancel/")
    assert refused.status_code == 403 and "Please call us" in refused.content.decode()
    later.refresh_from_db()
    assert later.status == Status.BOOKED


def test_another_patients_appointment_is_not_found(client, clinic, cleared):
    appointment = book(cleared, clinic.face, local(days_ahead(3), 10))
    client = logged_in(client, patient())
    for url in ("cancel/", "move/", "calendar.ics"):
        assert client.get(f"/me/appointments/{appointment.pk}/{url}").status_code == 404


def test_moving_an_appointment_to_another_free_time(client, clinic, cleared):
    appointment = book(cleared, clinic.face, local(days_ahead(3), 10))
    new_start = local(days_ahead(5), 12)
    client = logged_in(client, cleared)
    url = f"/me/appointments/{appointment.pk}/move/"
    assert ">12:00<" in client.get(url, {"day": days_ahead(5).isoformat()}).content.decode()
    assert client.get(url, {"start": new_start.isoformat()}).status_code == 200
    assert client.post(url, {"start": new_start.isoformat()}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start


def test_the_calendar_entry_downloads_as_ics(client, clinic, cleared):
    appointment = book(cleared, clinic.face, local(days_ahead(3), 10))
    response = logged_in(client, cleared).get(f"/me/appointments/{appointment.pk}/calendar.ics")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    start_utc = appointment.start.astimezone(UTC)
    assert f"DTSTART:{start_utc:%Y%m%dT%H%M%S}Z" in body
    # The UID of the entry the messages carry, whatever host the page was asked on.
    assert f"UID:appointment-{appointment.pk}@127.0.0.1" in body


def test_my_appointments_shows_course_progress(client, clinic):
    from appointments.services.courses import SessionChoice, course_book

    p = patient()
    screen(p)
    consultation = consult(p, plans={FACE: 7})
    starts = [local(days_ahead(3 + 7 * n), 10) for n in range(7)]
    course_book(
        actor=Actor(user=staff(Role.RECEPTION)),
        patient=p,
        treatment=clinic.face,
        consultation=consultation,
        choices=[SessionChoice(start=s) for s in starts],
        weekdays=sorted({s.weekday() for s in starts}),
        time_of_day=starts[0].timetz().replace(tzinfo=None),
        start_date=starts[0].date(),
    )
    page = logged_in(client, p).get("/me/appointments/").content.decode()
    assert "My courses" in page and "0 of 7 sessions done" in page
    assert '<progress max="7" value="0"' in page
