"""Booking rules shared by booking and rescheduling: when, with whom, where."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import IntegrityError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from appointments import intervals as iv
from appointments.availability import Busy, block_seconds, booking_window, busy_in
from appointments.calendar import CalendarConfig, PractitionerInfo, epoch, local_date, zone
from clinic.errors import Conflict, Forbidden, Invalid
from patients.clearance import clearance_for
from patients.models import Patient
from treatments.models import Treatment

T = TypeVar("T")


class NotCleared(Forbidden):
    code = "not_cleared"


def bad_start(message: str) -> Invalid:
    return Invalid(message, code="invalid_start", fields={"start": [message]})


@dataclass(frozen=True)
class Placement:
    practitioner: PractitionerInfo
    room: int
    device: int | None
    start: datetime
    end: datetime
    blocked_until: datetime


def check_clearance(patient: Patient, treatment: Treatment, start: datetime) -> None:
    result = clearance_for(patient, treatment, on=local_date(start))
    if not result.allowed:
        # Whoever booked (reception too) learns the state and what to offer, never the
        # finding behind it: the patient and clinicians read that from the patient's
        # clearance (audited), not from an error inside a transaction that rolls back.
        shown = result.without_findings()
        raise NotCleared(
            shown.message,
            details={
                "reasons": [{"code": r.code, "message": r.message} for r in shown.reasons],
                "absolute": shown.absolute,
                "state": shown.state,
                "offer": shown.offer,
            },
        )


def check_start(config: CalendarConfig, start: datetime, *, staff: bool, now: datetime) -> None:
    """The start is aware, on the grid, not past, after the notice, within the horizon."""
    if start.tzinfo is None:
        raise bad_start(
            _("Give the start with its UTC offset, for example 2026-05-04T10:00:00+03:00.")
        )
    step = config.policy.slot_step_minutes
    local = start.astimezone(zone())
    if local.second or local.microsecond or local.minute % step:
        raise bad_start(
            _("Start times are on a %(step)s-minute grid (for example 10:00, 10:%(step)s).")
            % {"step": step}
        )
    earliest, latest = booking_window(config, staff=staff, now=now)
    if start <= now:
        raise bad_start(_("That time is in the past."))
    if epoch(start) < earliest:
        hours = config.policy.patient_min_notice_minutes / 60
        raise bad_start(
            _("Online bookings need at least %(h)g hours' notice: please call the clinic.")
            % {"h": hours}
        )
    if epoch(start) >= latest:
        raise bad_start(
            _("Bookings open %(d)s days ahead: choose an earlier date.")
            % {"d": config.policy.booking_horizon_days}
        )


def check_performer(
    config: CalendarConfig, treatment: Treatment, practitioner_id: int | None
) -> list[PractitionerInfo]:
    if treatment.id not in config.treatments:
        raise Invalid(
            _("This treatment is not offered."), fields={"treatment": [_("Not offered.")]}
        )
    performers = config.performers(treatment.id)
    if practitioner_id is None:
        return performers
    chosen = [p for p in performers if p.id == practitioner_id]
    if not chosen:
        message = _("This practitioner does not perform %(t)s.") % {"t": treatment.name}
        raise Invalid(message, fields={"practitioner": [message]})
    return chosen


def _free(
    ids: Sequence[int],
    busy: dict[int, list[iv.Interval]],
    lo: int,
    hi: int,
    extra: dict[int, list[iv.Interval]] | None = None,
) -> list[int]:
    return [
        r
        for r in ids
        if not iv.intersect(iv.merge(busy.get(r, []) + (extra or {}).get(r, [])), [(lo, hi)])
    ]


def place(
    config: CalendarConfig,
    treatment: Treatment,
    start: datetime,
    candidates: list[PractitionerInfo],
    *,
    room: int | None = None,
    device: int | None = None,
    ignore: Collection[int] = (),
    skip: frozenset[tuple[str, int]] = frozenset(),
    spread: bool = False,
) -> Placement:
    """Choose a practitioner, room and device free for the whole block, or say what is not.

    Rooms and devices: see _choose."""
    length, block = block_seconds(treatment, config)
    lo, hi = epoch(start), epoch(start) + block
    day = local_date(start)
    if day in config.closed_days:
        raise bad_start(
            _("The clinic is closed on %(day)s (%(reason)s).")
            % {"day": date_format(day, "DATE_FORMAT"), "reason": config.closure_reasons[day]}
        )
    working = [p for p in candidates if iv.contains(config.bookable(p, day), lo, hi)]
    if not working:
        raise bad_start(
            _(
                "Nobody performs this treatment at that time (outside working hours, "
                "opening hours, or a closure)."
            )
        )
    busy: Busy = busy_in(lo, hi, ignore=ignore)
    free_people = [
        p
        for p in working
        if ("practitioner", p.id) not in skip
        and not iv.intersect(busy.practitioner.get(p.id, []), [(lo, hi)])
    ]
    rooms = [r for r in ([room] if room else config.rooms) if ("room", r) not in skip]
    free_rooms = _free(rooms, busy.room, lo, hi)
    devices: list[int | None] = [None]
    free_devices = devices
    if treatment.requires_device:
        devices = [d for d in ([device] if device else config.devices) if ("device", d) not in skip]
        free_devices = list(_free(devices, busy.device, lo, hi, config.outages))
    missing = [
        name
        for name, found in (
            ("practitioner", free_people),
            ("room", free_rooms),
            ("device", free_devices),
        )
        if not found
    ]
    if missing:
        raise slot_taken(missing)
    person = free_people[0]
    return Placement(
        person,
        _choose(rooms, free_rooms, person.id, spread),
        _choose(devices, free_devices, person.id, spread),
        start,
        start + timedelta(seconds=length),
        start + timedelta(seconds=block),
    )


def _choose(order: Sequence[T], free: list[T], practitioner: int, spread: bool) -> T:
    """A free room (or device) for the practitioner's booking.

    Each practitioner looks first at their own place in the clinic's list (their usual
    room, when it is free), then on round it: bookings of different practitioners at the
    same time then do not all reach for the first free room at once, to collide in the
    database and be retried. With `spread`, a random free one: this booking has just
    collided on its pick."""
    if len(free) == 1:
        return free[0]
    if spread:
        return random.choice(free)
    home = practitioner % len(order)
    available = set(free)
    return next(x for x in [*order[home:], *order[:home]] if x in available)


def slot_taken(resources: list[str]) -> Conflict:
    """A 409: the slot went to another booking; `resources` names what was taken, if known."""
    message = (
        _("That time is no longer free (%(what)s taken). Please choose another time.")
        % {"what": ", ".join(resources)}
        if resources
        else _("That time was just booked by someone else. Please choose another time.")
    )
    return Conflict(message, code="slot_taken", details={"taken": resources})


CONSTRAINT_RESOURCE = {
    "appointment_no_practitioner_overlap": "practitioner",
    "appointment_no_room_overlap": "room",
    "appointment_no_device_overlap": "device",
    "appointment_no_patient_overlap": "patient",
}


def resource_in_conflict(exc: IntegrityError) -> str | None:
    """Which exclusion constraint refused the row, if it was one."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    return CONSTRAINT_RESOURCE.get(name or "")


def patient_conflict() -> Conflict:
    return Conflict(
        _("The patient already has an appointment at that time."),
        code="patient_busy",
        details={"taken": ["patient"]},
    )


def conflict_from(exc: IntegrityError) -> Conflict | None:
    """The 409 for an overlap the database refused; None for any other integrity error."""
    resource = resource_in_conflict(exc)
    if resource == "patient":
        return patient_conflict()
    return slot_taken([resource]) if resource else None
