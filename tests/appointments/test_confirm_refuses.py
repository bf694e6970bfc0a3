"""The confirm pages (booking and moving) show only a time the picker would offer: a past
time, 03:00, 1 Jan 2020 or a taken slot is refused on GET, with why and the way back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from appointments.calendar import zone
from appointments.models import Appointment
from appointments.services import appointment_book
from clinic.audit import Actor
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import consult, patient, screen

pytestmark = [pytest.mark.django_db, at_clinic_now]
FACE = "microcurrent-therapy-face"


@pytest.fixture
def cleared(db):
    build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)
    consult(p)
    return p


def book(p, start):
    from treatments.models import Treatment

    face = Treatment.objects.get(slug=FACE)
    return appointment_book(actor=Actor(user=p.user), patient=p, treatment=face, start=start)


def _an_hour_ago_on_the_hour() -> datetime:
    return (timezone.now() - timedelta(hours=1)).replace(microsecond=0, second=0, minute=0)


# Each made inside the test, at the frozen clinic clock.
IMPOSSIBLE = {
    "1 Jan 2020, 03:00": lambda: datetime(2020, 1, 1, 3, 0, tzinfo=zone()),
    "03:00 on a working day": lambda: local(days_ahead(3), 3),
    "an hour ago": _an_hour_ago_on_the_hour,
    "beyond the horizon": lambda: local(days_ahead(200), 10),
}


@pytest.mark.parametrize("case", list(IMPOSSIBLE))
def test_the_booking_confirm_page_refuses_an_impossible_time_before_showing_it(
    client, cleared, case
):
    start = IMPOSSIBLE[case]()
    client.force_login(cleared.user)
    response = client.get(f"/book/{FACE}/confirm/", {"start": start.isoformat()})
    page = response.content.decode()
    assert response.status_code == 409, case
    assert "This time cannot be booked" in page and "Confirm booking" not in page
    assert f'href="/book/{FACE}/"' in page  # the way back to the free times
    if start <= timezone.now():
        assert "That time has already passed." in page


def test_a_taken_time_is_refused_on_get_and_a_free_one_shown(client, cleared):
    other = patient()
    screen(other)
    consult(other)
    taken = local(days_ahead(3), 10)
    book(other, taken)
    client.force_login(cleared.user)
    refused = client.get(f"/book/{FACE}/confirm/", {"start": taken.isoformat()})
    assert refused.status_code == 409 and "That time is not free" in refused.content.decode()
    free = client.get(f"/book/{FACE}/confirm/", {"start": local(days_ahead(3), 14).isoformat()})
    assert free.status_code == 200 and "Confirm booking" in free.content.decode()


def test_the_move_confirm_page_refuses_an_impossible_time_and_keeps_the_appointment(
    client, cleared
):
    appointment = book(cleared, local(days_ahead(3), 10))
    client.force_login(cleared.user)
    url = f"/me/appointments/{appointment.pk}/move/"
    refused = client.get(url, {"start": local(days_ahead(4), 3).isoformat()})
    assert refused.status_code == 409 and f'href="{url}"' in refused.content.decode()
    # Its own time is free for it (the move ignores the appointment itself).
    same = client.get(url, {"start": local(days_ahead(4), 11).isoformat()})
    assert same.status_code == 200
    assert Appointment.objects.get(pk=appointment.pk).start == local(days_ahead(3), 10)
