"""Booking and moving appointments.

The exclusion constraints are the last word on double booking: two requests that both
saw a slot free cannot both insert it. When the database refuses a row because a room or
device we picked was taken meanwhile, we pick another and try again; when the
practitioner or patient was taken, it is a 409.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import events
from appointments.calendar import calendar_config, locked_calendar_config
from appointments.events import Move
from appointments.models import Appointment, Channel, Course, Status
from appointments.policy import check_change_allowed
from appointments.services import rules
from appointments.services.holds import hold_release_lapsed, hold_release_lapsed_near
from appointments.services.prepayment import prepayment_open, prepayment_quote
from clinic.audit import Actor
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import Action, can, is_staff_member
from clinic.rows import insert_rows
from patients.models import Patient
from treatments.models import Treatment

MAX_ATTEMPTS = 8  # enough for every room of a small clinic to be tried once
DEADLOCK_DETECTED = "40P01"


def appointment_book(
    *,
    actor: Actor,
    patient: Patient,
    treatment: Treatment,
    start: datetime,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    device_id: int | None = None,
    channel: str = Channel.API,
    course: Course | None = None,
    now: datetime | None = None,
    prepayment: bool = True,
) -> Appointment:
    """Book one session. Raises Invalid (400), NotCleared (403) or Conflict (409).

    A patient's own booking of a treatment that asks a prepayment (a deposit: see
    services/prepayment.py) is a hold until it is paid; `prepayment=False` (a waitlist
    offer taken) books at once. Staff bookings never wait."""
    if not can(actor.user, Action.APPOINTMENT_BOOK, patient):
        raise Forbidden(_("You may book only for yourself."), code="forbidden")
    now = now or timezone.now()
    staff = is_staff_member(actor.user)
    quote = None
    if prepayment and not staff and course is None:
        # As committed (the caller may hold this process's snapshot, older than a change
        # of the deposit rule saved on another host).
        committed = calendar_config().treatments.get(treatment.id, treatment)
        quote = prepayment_quote(patient=patient, treatment=committed, now=now)
    minutes = quote.minutes if quote else 0
    return place_and_insert(
        booked_by=actor.user if actor.user.is_authenticated else None,
        staff=staff,
        patient=patient,
        treatment=treatment,
        start=start,
        practitioner_id=practitioner_id,
        room_id=room_id,
        device_id=device_id,
        channel=channel,
        course=course,
        held_until=now + timedelta(minutes=minutes) if minutes else None,
        prepayment=bool(minutes),
        now=now,
    )


def appointment_hold(
    *,
    patient: Patient,
    treatment: Treatment,
    start: datetime,
    held_until: datetime,
    practitioner_id: int | None = None,
    channel: str = Channel.ONLINE,
    now: datetime | None = None,
) -> Appointment:
    """Keep a slot for `patient` until `held_until` (the clinic's own doing: a waitlist
    offer, an online booking awaiting its deposit). Refused like a booking when taken."""
    now = now or timezone.now()
    if held_until <= now:
        raise Invalid(_("A hold must end in the future."), code="hold_in_past")
    return place_and_insert(
        booked_by=None,
        staff=False,
        patient=patient,
        treatment=treatment,
        start=start,
        practitioner_id=practitioner_id,
        channel=channel,
        held_until=held_until,
        now=now,
    )


def place_and_insert(
    *,
    booked_by: Any,
    staff: bool,
    patient: Patient,
    treatment: Treatment,
    start: datetime,
    now: datetime,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    device_id: int | None = None,
    channel: str = Channel.API,
    course: Course | None = None,
    held_until: datetime | None = None,
    prepayment: bool = False,
) -> Appointment:
    """Place and insert the row (permission checked by the caller). With `held_until` it
    is a hold: it blocks the time like a booking but sends no confirmation yet; with
    `prepayment` too, what is to pay for it is opened in the same transaction."""
    if patient.merged_into_id:
        raise Invalid(_("This record was merged into another patient."), code="merged_patient")
    skip: set[tuple[str, int]] = set()
    for attempt in range(MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                # The configuration as committed, locked until this booking commits: a
                # closure or change of hours saved meanwhile is either seen here or waits.
                config = locked_calendar_config()
                candidates = rules.check_performer(config, treatment, practitioner_id)
                treatment = config.treatments[treatment.id]  # its duration as committed
                rules.check_start(config, start, staff=staff, now=now)
                if attempt == 0:
                    rules.check_clearance(patient, treatment, start)
                placement = rules.place(
                    config,
                    treatment,
                    start,
                    candidates,
                    room=room_id,
                    device=device_id,
                    skip=frozenset(skip),
                    spread=attempt > 0,
                )
                appointment = Appointment(
                    patient=patient,
                    treatment=treatment,
                    practitioner_id=placement.practitioner.id,
                    room_id=placement.room,
                    device_id=placement.device,
                    start=placement.start,
                    end=placement.end,
                    blocked_until=placement.blocked_until,
                    booked_via=channel,
                    course=course,
                    booked_by=booked_by,
                    status=Status.HELD if held_until else Status.BOOKED,
                    held_until=held_until,
                )
                insert_rows([appointment])  # Appointment.objects.create(), leaner: clinic.rows
                if held_until is None:
                    # Its messages are written in the same transaction (messaging listens).
                    events.appointment_booked.send(Appointment, appointment=appointment, now=now)
                elif prepayment:
                    # Read back by prepayment_due(appointment) in this request only.
                    appointment.opened_prepayment = prepayment_open(
                        appointment=appointment, now=now
                    )
                return appointment
        except IntegrityError as exc:
            # Placing ignored lapsed holds, but the constraints still see them: release
            # those around this start (after this attempt rolled back, so no lock is
            # kept while inserting) and place again. Only on a refusal: the common path
            # pays nothing for holds.
            if hold_release_lapsed_near(start=start, now=now):
                continue
            skip.add(_retry_or_raise(exc, placement, room_id, device_id, practitioner_id))
        except OperationalError as exc:
            # Two bookings inserted overlapping rows at once and each waited for the other
            # (exclusion constraints can do that); PostgreSQL aborted this one. The other
            # may hold only a room or device we picked ourselves, so place again: once it
            # has committed, a taken practitioner or patient is a 409 as usual.
            if getattr(exc.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
                raise
    raise rules.slot_taken(["room", "device"])


def _retry_or_raise(
    exc: IntegrityError,
    placement: rules.Placement,
    room_id: int | None,
    device_id: int | None,
    practitioner_id: int | None,
) -> tuple[str, int]:
    """A resource we chose ourselves was taken by a concurrent booking: skip it next time.
    Anything the caller asked for by name, or the patient, is a conflict now."""
    resource = rules.resource_in_conflict(exc)
    if resource == "patient":
        raise rules.patient_conflict() from exc
    chosen = {
        "room": (placement.room, room_id),
        "device": (placement.device, device_id),
        "practitioner": (placement.practitioner.id, practitioner_id),
    }
    if resource not in chosen:
        raise exc
    picked, requested = chosen[resource]
    if requested is not None:
        raise rules.slot_taken([resource]) from exc
    return resource, picked


@transaction.atomic
def appointment_reschedule(
    *,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    device_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Move a booked session to `start`: patients within the policy, staff with a reason.
    A room or device named (the desk's grid by room or device) must be the one free."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    now = now or timezone.now()
    staff = check_change_allowed(actor, appointment, reason=reason, now=now, verb=_("move"))
    return move_within(
        actor=actor,
        appointment=appointment,
        start=start,
        practitioner_id=practitioner_id,
        room_id=room_id,
        device_id=device_id,
        reason=reason,
        staff=staff,
        now=now,
    )


def _check_in_service(active: tuple[int, ...], chosen: int | None, name: str, message: str) -> None:
    if chosen is not None and chosen not in active:
        raise Invalid(message, fields={name: [message]})


def move_within(
    *,
    actor: Actor,
    appointment: Appointment,
    start: datetime,
    practitioner_id: int | None = None,
    room_id: int | None = None,
    device_id: int | None = None,
    reason: str = "",
    staff: bool = True,
    parked: bool = False,
    notify: bool = True,
    now: datetime | None = None,
) -> Appointment:
    """Move a booked row to `start` under the booking rules (the policy is the caller's).
    `parked`: the caller set the row aside (cancelled) for a re-flow inside this same
    transaction; it becomes booked again at its new time. `notify`: the patient is told of
    this move by itself (a course re-flow tells of all its moves in one message)."""
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("treatment", "patient")
        .get(pk=appointment.pk)
    )
    if appointment.status != (Status.CANCELLED if parked else Status.BOOKED):
        raise Conflict(_("Only a booked appointment can be moved."), code="not_booked")
    appointment.status = Status.BOOKED
    now = now or timezone.now()
    config = locked_calendar_config()  # in the caller's transaction: see appointment_book
    treatment = appointment.treatment
    candidates = rules.check_performer(
        config, treatment, practitioner_id or appointment.practitioner_id
    )
    rules.check_start(config, start, staff=staff, now=now)
    hold_release_lapsed(around=start, now=now)
    rules.check_clearance(appointment.patient, treatment, start)
    _check_in_service(config.rooms, room_id, "room", _("This room is not in service."))
    _check_in_service(config.devices, device_id, "device", _("This device is not in service."))
    placement = rules.place(
        config,
        treatment,
        start,
        candidates,
        room=room_id,
        device=device_id,
        ignore=[appointment.pk],
    )
    previous = Move(appointment.pk, appointment.start, appointment.practitioner_id)
    appointment.start, appointment.end = placement.start, placement.end
    appointment.blocked_until = placement.blocked_until
    appointment.practitioner_id, appointment.room_id = placement.practitioner.id, placement.room
    appointment.device_id = placement.device
    appointment.status_reason = reason.strip()
    appointment.status_changed_at, appointment.status_changed_by = now, actor.user
    appointment.sequence += 1  # the row is locked: subscribed calendars see a new version
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        conflict = rules.conflict_from(exc)
        if conflict is None:
            raise
        raise conflict from exc
    # Pending reminders follow the session; the move notice is queued.
    events.appointment_rescheduled.send(
        Appointment, appointment=appointment, now=now, previous=previous, notify=notify
    )
    return appointment
