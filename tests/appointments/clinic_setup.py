"""A small clinic for scheduling tests: practitioners, rooms, devices and hours, and the
clock that tests booking relative to now run at (`at_clinic_now`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from appointments.calendar import zone
from appointments.models import ClinicPolicy, Device, Practitioner, Room, WorkingHours
from clinic.roles import Role
from tests.factories import staff
from treatments.models import Treatment


@dataclass
class Clinic:
    practitioners: list[Practitioner]
    rooms: list[Room]
    devices: list[Device]
    face: Treatment
    consultation: Treatment


def build_clinic(
    *,
    practitioners: int = 2,
    rooms: int = 2,
    devices: int = 1,
    weekdays=range(7),
    hours: tuple[time, time] = (time(9), time(18)),
    **policy: object,
) -> Clinic:
    treatments = list(Treatment.objects.all())
    people = []
    for i in range(practitioners):
        user = staff(Role.DERMATOLOGIST, first_name=f"Doc{i}")
        p = Practitioner.objects.create(user=user, display_name=f"Dr {i}")
        p.treatments.set(treatments)
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=p, weekday=d, start=hours[0], end=hours[1]) for d in weekdays
        )
        people.append(p)
    from appointments.models import OpeningHours

    OpeningHours.objects.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(weekday=d, start=time(7), end=time(21)) for d in range(7)
    )
    if policy:
        ClinicPolicy.objects.filter(id=1).update(**policy)

    return Clinic(
        practitioners=people,
        rooms=[Room.objects.create(name=f"Room {i}") for i in range(rooms)],
        devices=[Device.objects.create(name=f"MC-{i}") for i in range(devices)],
        face=Treatment.objects.get(slug="microcurrent-therapy-face"),
        consultation=Treatment.objects.get(slug="initial-consultation"),
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone())


# The clock of the tests that book relative to now: Wednesday 10 June 2026, 10:00 in Kyiv.
# Inside every test clinic's hours (and the demo clinic's, Monday to Saturday), outside
# quiet hours, ten weeks after a daylight-saving change and four months before the next,
# so "tomorrow at 10:00", "in three days" and "24 hours before" mean the same whatever the
# real date and hour. Given in UTC: a ZoneInfo would make time-machine set the process's
# TZ too.
CLINIC_NOW = local(date(2026, 6, 10), 10).astimezone(UTC)

# `pytestmark = at_clinic_now` (time-machine's marker): the test runs at CLINIC_NOW, the
# clock ticking on from there; `time_machine.move_to(...)` in a test goes elsewhere. Only
# for tests that stay in this process: a Celery worker, a server process or Chromium
# would still see the real clock (those tests are written to pass at any hour instead,
# and `TEST_CLOCK=... make test` runs the whole suite at a chosen one).
at_clinic_now = pytest.mark.time_machine(CLINIC_NOW)


def days_ahead(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone())


def started_today(minutes_ago: int = 5) -> datetime:
    """A start a few minutes ago, yet today in the clinic's zone (check-in is same-day)."""
    return max(timezone.now() - timedelta(minutes=minutes_ago), _midnight(timezone.localdate()))


def later_today(minutes_ahead: int = 5) -> datetime:
    """A start a few minutes from now, yet still today in the clinic's zone."""
    tomorrow = _midnight(timezone.localdate() + timedelta(days=1))
    return min(timezone.now() + timedelta(minutes=minutes_ahead), tomorrow - timedelta(seconds=30))
