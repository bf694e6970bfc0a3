"""Choosing a practitioner on the booking pages, or "any": the free times, the confirm
page and the booking follow the choice; a bad choice is a message, never a 500."""

from __future__ import annotations

import pytest

from appointments.models import Appointment, Practitioner
from appointments.services import appointment_book
from clinic.audit import Actor
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import consult, patient, screen

pytestmark = [pytest.mark.django_db, at_clinic_now]
FACE = "microcurrent-therapy-face"


@pytest.fixture
def clinic(db):
    return build_clinic()


@pytest.fixture
def client_of(client, db):
    p = patient()
    screen(p)
    consult(p)
    client.force_login(p.user)
    client.patient = p
    return client


def taken(practitioner: Practitioner, clinic, start) -> None:
    """Someone else books `practitioner` at `start`."""
    other = patient()
    screen(other)
    appointment_book(
        actor=Actor(user=other.user),
        patient=other,
        treatment=clinic.consultation,
        start=start,
        practitioner_id=practitioner.pk,
    )


def test_the_choice_lists_the_practitioners_of_the_treatment_and_any(client_of, clinic):
    first, second = clinic.practitioners
    second.treatments.remove(clinic.face)
    page = client_of.get(f"/book/{FACE}/").content.decode()
    assert '<label for="id_practitioner">Practitioner' in page
    assert "Any practitioner" in page
    assert f'value="{first.pk}">Dr 0<' in page
    assert "Dr 1" not in page


def test_times_come_only_for_the_chosen_practitioner(client_of, clinic):
    first = clinic.practitioners[0]
    start = local(days_ahead(3), 10)
    taken(first, clinic, start)
    day = {"day": days_ahead(3).isoformat()}
    anyone = client_of.get(f"/book/{FACE}/", day).content.decode()
    assert ">10:00<" in anyone  # the second practitioner is free then
    chosen = client_of.get(f"/book/{FACE}/", {**day, "practitioner": first.pk})
    page = chosen.content.decode()
    assert chosen.status_code == 200
    assert ">10:00<" not in page and ">11:00<" in page
    # The links carry the choice on: the other days, the times and the day form.
    assert f"practitioner={first.pk}" in page
    assert f'name="practitioner" value="{first.pk}"' in page
    htmx = client_of.get(
        f"/book/{FACE}/", {**day, "practitioner": first.pk}, headers={"HX-Request": "true"}
    ).content.decode()
    assert ">10:00<" not in htmx and f"practitioner={first.pk}" in htmx


def test_the_confirm_page_names_the_practitioner_and_the_booking_keeps_them(client_of, clinic):
    second = clinic.practitioners[1]
    start = local(days_ahead(3), 10)
    query = {"start": start.isoformat(), "practitioner": second.pk}
    summary = client_of.get(f"/book/{FACE}/confirm/", query)
    page = summary.content.decode()
    assert summary.status_code == 200 and "Dr 1" in page
    assert f'name="practitioner" value="{second.pk}"' in page
    assert f"practitioner={second.pk}" in page  # "choose another time" keeps the choice
    response = client_of.post(f"/book/{FACE}/confirm/", query)
    assert response["Location"] == "/me/appointments/"
    booked = Appointment.objects.get(patient=client_of.patient)
    assert (booked.start, booked.practitioner_id) == (start, second.pk)


def test_any_practitioner_is_the_default(client_of, clinic):
    start = local(days_ahead(3), 10)
    summary = client_of.get(f"/book/{FACE}/confirm/", {"start": start.isoformat()})
    assert "Any practitioner free at that time" in summary.content.decode()
    client_of.post(f"/book/{FACE}/confirm/", {"start": start.isoformat(), "practitioner": ""})
    booked = Appointment.objects.get(patient=client_of.patient)
    assert booked.practitioner_id in {p.pk for p in clinic.practitioners}


def test_a_time_the_chosen_practitioner_is_busy_is_refused_on_the_confirm_page(client_of, clinic):
    first = clinic.practitioners[0]
    start = local(days_ahead(3), 10)
    taken(first, clinic, start)
    query = {"start": start.isoformat(), "practitioner": first.pk}
    assert client_of.get(f"/book/{FACE}/confirm/", query).status_code == 409
    response = client_of.post(f"/book/{FACE}/confirm/", query)
    assert response.status_code == 409 and "just taken" in response.content.decode()
    assert not Appointment.objects.filter(patient=client_of.patient).exists()


@pytest.mark.parametrize("bad", ["unknown", "inactive", "not-giving", "abc", "1" * 30, "1e3"])
def test_a_bad_practitioner_is_a_clear_message_never_a_500(client_of, clinic, bad):
    first = clinic.practitioners[0]
    if bad == "inactive":
        Practitioner.objects.filter(pk=first.pk).update(is_active=False)
    if bad == "not-giving":
        first.treatments.remove(clinic.face)
    value = {"unknown": "987654", "inactive": first.pk, "not-giving": first.pk}.get(bad, bad)
    message = "This practitioner does not give this treatment online"
    page = client_of.get(f"/book/{FACE}/", {"practitioner": value})
    assert page.status_code == 400 and message in page.content.decode()
    assert 'id="picker"' not in page.content.decode()
    start = local(days_ahead(3), 10).isoformat()
    summary = client_of.get(
        f"/book/{FACE}/confirm/", {"start": start, "practitioner": value}, follow=True
    )
    assert summary.status_code == 200 and message in summary.content.decode()
    posted = client_of.post(
        f"/book/{FACE}/confirm/", {"start": start, "practitioner": value}, follow=True
    )
    assert posted.status_code == 200 and message in posted.content.decode()
    assert not Appointment.objects.filter(patient=client_of.patient).exists()
