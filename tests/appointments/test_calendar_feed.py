"""Practitioners' private calendar feeds: their own sessions only, initials and treatment
only, a stable UID with a rising SEQUENCE (a calendar subscribed twice around a move
updates the event), cancelled sessions as cancelled, a hashed token that can be revoked
and issued again; a revoked or forged URL gets a plain 410 / 404 and nothing else."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.conf import settings
from django.test import Client

from appointments.models import CalendarFeed, Practitioner
from appointments.services import appointment_cancel, appointment_reschedule
from appointments.services.feeds import calendar_feed_issue, feed_token_hash
from clinic.audit import Actor
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.conftest import clinic, derm
from tests.desk.helpers import book, cleared_patient, client_for
from tests.factories import login_staff, staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
__all__ = ["clinic", "derm"]  # fixtures


class SubscribedCalendar:
    """What a calendar app does with a subscription: on each refresh, keep one entry per
    UID, replaced when the feed's SEQUENCE is not older than the copy it has."""

    def __init__(self) -> None:
        self.events: dict[str, icalendar.Event] = {}

    def refresh(self, body: bytes) -> None:
        for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
            uid = str(event["UID"])
            known = self.events.get(uid)
            if known is None or int(event["SEQUENCE"]) >= int(known["SEQUENCE"]):
                self.events[uid] = event


def _feed_url(derm_client: Client) -> str:
    page = derm_client.post("/chart/calendar-feed/", {"action": "issue"}).content.decode()
    return re.search(r'value="https?://[^/"]+(/calendar/feeds/[^"]+\.ics)"', page).group(1)


@pytest.fixture
def setup(clinic):
    """The first practitioner logged in at the chart, with one session of each kind."""
    doctor = clinic.practitioners[0]
    client = Client()
    login_staff(client, doctor.user)
    p = cleared_patient(first_name="Olha", last_name="Savchenko")
    mine = book(p, clinic.face, local(days_ahead(3), 10), practitioner_id=doctor.pk)
    other = book(
        cleared_patient(),
        clinic.face,
        local(days_ahead(3), 14),
        practitioner_id=clinic.practitioners[1].pk,
    )
    return client, doctor, mine, other


def _events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_the_feed_lists_own_sessions_with_initials_and_treatment_only(setup):
    client, _doctor, mine, other = setup
    response = Client().get(_feed_url(client))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "no-store" in response["Cache-Control"]
    body = response.content
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    [event] = _events(body)
    assert str(event["SUMMARY"]) == "O.S. · Microcurrent therapy, face"
    assert event.decoded("DTSTART") == mine.start
    assert event.decoded("DTEND") == mine.end
    assert int(event["SEQUENCE"]) == 0
    host = urlsplit(settings.CLINIC_BASE_URL).hostname
    assert str(event["UID"]) == f"practitioner-session-{mine.pk}@{host}"
    text = body.decode()
    assert "Olha" not in text and "Savchenko" not in text
    assert mine.patient.email not in text
    assert f"session-{other.pk}@" not in text


def test_a_calendar_subscribed_twice_around_a_move_updates_the_event_not_duplicates(setup):
    client, _doctor, mine, _other = setup
    url = _feed_url(client)
    phone = SubscribedCalendar()
    phone.refresh(Client().get(url).content)

    moved = appointment_reschedule(
        actor=Actor(user=staff(Role.RECEPTION)),
        appointment=mine,
        start=local(days_ahead(4), 12),
        reason="patient asked",
    )
    phone.refresh(Client().get(url).content)

    assert len(phone.events) == 1
    [event] = phone.events.values()
    assert event.decoded("DTSTART") == moved.start == local(days_ahead(4), 12)
    assert int(event["SEQUENCE"]) == 1


def test_a_cancelled_session_stays_in_the_feed_as_cancelled_with_a_higher_sequence(setup):
    client, _doctor, mine, _other = setup
    url = _feed_url(client)
    phone = SubscribedCalendar()
    phone.refresh(Client().get(url).content)

    appointment_cancel(actor=Actor(user=staff(Role.RECEPTION)), appointment=mine, reason="unwell")
    phone.refresh(Client().get(url).content)

    [event] = phone.events.values()
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1


def test_the_token_is_stored_hashed_only(setup):
    client, doctor, *_ = setup
    url = _feed_url(client)
    token = url.removeprefix("/calendar/feeds/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(practitioner=doctor)
    assert feed.token_hash == feed_token_hash(token) != token
    assert not CalendarFeed.objects.filter(token_hash__contains=token).exists()
    assert len(token) >= 40


def test_a_revoked_url_is_a_plain_410_and_a_new_one_works(setup):
    client, doctor, *_ = setup
    first = _feed_url(client)
    second = _feed_url(client)  # issuing again revokes the first

    gone = Client().get(first)
    assert gone.status_code == 410
    assert gone["Content-Type"].startswith("text/plain")
    assert b"BEGIN:VCALENDAR" not in gone.content
    assert Client().get(second).status_code == 200

    page = client.post("/chart/calendar-feed/", {"action": "revoke"})
    assert page.status_code == 200
    assert Client().get(second).status_code == 410
    assert CalendarFeed.objects.filter(practitioner=doctor, revoked_at__isnull=True).count() == 0


@pytest.mark.parametrize("token", ["forged", "A" * 43, "x" * 500, "%00"])
def test_a_forged_url_is_a_plain_404_with_nothing_in_it(setup, token):
    client, *_ = setup
    _feed_url(client)
    response = Client().get(f"/calendar/feeds/{token}.ics")
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_one_live_feed_per_practitioner_holds_in_the_database(setup):
    from django.db import IntegrityError, transaction

    _client, doctor, *_ = setup
    calendar_feed_issue(practitioner=doctor)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(practitioner=doctor, token_hash="0" * 64)


def test_the_feed_does_not_take_writes(setup):
    client, *_ = setup
    url = _feed_url(client)
    assert Client().post(url).status_code == 405
    assert Client().head(url).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.PATIENT, 403), (Role.RECEPTION, 403), (Role.MANAGER, 403)],
)
def test_only_dermatologists_manage_a_feed(clinic, role, expected):
    client = client_for(role)
    assert client.get("/chart/calendar-feed/").status_code == expected
    assert client.post("/chart/calendar-feed/", {"action": "issue"}).status_code == expected
    assert not CalendarFeed.objects.exists()


def test_a_dermatologist_who_is_no_practitioner_gets_no_feed(clinic, derm):
    assert not Practitioner.objects.filter(user=derm.user).exists()
    assert derm.get("/chart/calendar-feed/").status_code == 200
    assert derm.post("/chart/calendar-feed/", {"action": "issue"}).status_code == 400
    assert not CalendarFeed.objects.exists()


def test_an_unknown_action_is_refused_and_changes_nothing(setup):
    client, _doctor, *_ = setup
    assert client.post("/chart/calendar-feed/", {"action": "delete-all"}).status_code == 400
    assert not CalendarFeed.objects.exists()
