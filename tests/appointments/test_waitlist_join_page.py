"""Joining the waitlist online from the booking pages: the patient's own entry for a
treatment and a window of days; bad days named beside their field, nothing saved."""

from __future__ import annotations

from datetime import time

import pytest

from appointments.models import WaitlistEntry
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead
from tests.factories import consult, login_staff, patient, screen, staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
FACE = "microcurrent-therapy-face"


@pytest.fixture
def cleared(db):
    build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)
    consult(p)
    return p


def test_the_picker_links_to_the_waitlist_and_a_patient_joins_for_a_window_of_days(client, cleared):
    client.force_login(cleared.user)
    page = client.get(f"/book/{FACE}/").content.decode()
    assert f'href="/book/{FACE}/waitlist/"' in page
    form = client.get(f"/book/{FACE}/waitlist/").content.decode()
    assert 'for="id_earliest"' in form and 'for="id_latest"' in form
    window = {"earliest": days_ahead(2).isoformat(), "latest": days_ahead(9).isoformat()}
    response = client.post(f"/book/{FACE}/waitlist/", window)
    assert response.status_code == 302 and response["Location"] == "/me/appointments/"
    (entry,) = WaitlistEntry.objects.all()
    assert (entry.patient, entry.treatment.slug) == (cleared, FACE)
    assert (entry.earliest, entry.latest) == (days_ahead(2), days_ahead(9))


def test_days_in_the_past_or_reversed_are_refused_beside_their_field(client, cleared):
    client.force_login(cleared.user)
    past = {"earliest": days_ahead(-3).isoformat(), "latest": days_ahead(2).isoformat()}
    reversed_days = {"earliest": days_ahead(9).isoformat(), "latest": days_ahead(2).isoformat()}
    for data, field in ((past, "earliest"), (reversed_days, "latest")):
        response = client.post(f"/book/{FACE}/waitlist/", data)
        assert response.status_code == 400
        assert f'id="id_{field}_error"' in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_patient_not_cleared_is_told_why_and_staff_are_sent_away(client, db):
    build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)  # no consultation yet
    client.force_login(p.user)
    window = {"earliest": days_ahead(2).isoformat(), "latest": days_ahead(9).isoformat()}
    assert client.post(f"/book/{FACE}/waitlist/", window).status_code == 403
    assert not WaitlistEntry.objects.exists()
    login_staff(client, staff(Role.RECEPTION))
    assert client.get(f"/book/{FACE}/waitlist/").status_code == 403


def test_a_patient_gives_a_time_of_day_window_and_a_bad_one_is_named_beside_its_field(
    client, cleared
):
    client.force_login(cleared.user)
    form = client.get(f"/book/{FACE}/waitlist/").content.decode()
    assert 'for="id_time_from"' in form and 'for="id_time_to"' in form
    days = {"earliest": days_ahead(2).isoformat(), "latest": days_ahead(9).isoformat()}
    for times, field in (
        ({"time_from": "12:00", "time_to": "09:00"}, "time_to"),
        ({"time_to": "12:00"}, "time_from"),
    ):
        refused = client.post(f"/book/{FACE}/waitlist/", {**days, **times})
        assert refused.status_code == 400
        assert f'id="id_{field}_error"' in refused.content.decode()
    assert not WaitlistEntry.objects.exists()
    joined = client.post(
        f"/book/{FACE}/waitlist/", {**days, "time_from": "09:00", "time_to": "12:00"}
    )
    assert joined.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert (entry.time_from, entry.time_to) == (time(9), time(12))
