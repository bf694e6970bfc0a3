"""The manager's changes to the clinic's configuration: opening hours, the booking and
reminder policy, rooms, devices and their outages, practitioners, cancel reasons.

Each is a small write; the calendar version moves with it by the database triggers of
migration 0006 (appointments.calendar reloads on the next request). Errors name the field
in plain words, never a constraint."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from appointments.calendar import zone
from appointments.models import (
    Appointment,
    CancelReason,
    ClinicPolicy,
    Device,
    DeviceOutage,
    ExceptionKind,
    OpeningHours,
    Practitioner,
    Room,
    Status,
    WorkingException,
    WorkingHours,
)
from clinic.audit import Actor
from clinic.errors import Conflict, Forbidden, Invalid
from clinic.roles import CLINICAL_ROLES, Action, can
from treatments.models import Treatment

User = get_user_model()


def check_settings_access(actor: Actor) -> None:
    # The Django admin stays open to superusers, who may hold no role.
    if not (can(actor.user, Action.CLINIC_SETTINGS) or actor.user.is_superuser):
        raise Forbidden(_("Only the manager changes the clinic's settings."))


def field_error(name: str, message: str) -> Invalid:
    return Invalid(message, fields={name: [message]})


# --- Opening hours ------------------------------------------------------------------------


def session_line(a: Appointment) -> dict:
    local = a.start.astimezone(zone())
    return {
        "id": a.pk,
        "start": a.start.isoformat(),
        "when": formats.date_format(local, "D j M Y, H:i"),
        "patient": a.patient.full_name,
        "treatment": _(a.treatment.name),
    }


def outside_new_hours(
    week: Mapping[int, tuple[time, time] | None],
    now: datetime,
    practitioner: Practitioner | None = None,
) -> list[Appointment]:
    """Booked sessions still ahead that the new hours (the clinic's, or a practitioner's)
    would leave outside."""
    out = []
    booked = Appointment.objects.filter(status=Status.BOOKED, start__gte=now)
    if practitioner is not None:
        booked = booked.filter(practitioner=practitioner)
    for a in booked.select_related("patient", "treatment").order_by("start", "pk"):
        start, end = a.start.astimezone(zone()), a.end.astimezone(zone())
        if start.weekday() not in week:
            continue
        span = week[start.weekday()]
        if (
            span is None
            or start.time() < span[0]
            or end.time() > span[1]
            or end.date() > start.date()
        ):
            out.append(a)
    return out


def _refuse_stranded_hours(stranded: list[Appointment]) -> None:
    raise Conflict(
        _("%(n)s booked session(s) fall outside these hours: confirm to change anyway.")
        % {"n": len(stranded)},
        code="hours_strand_bookings",
        details={"sessions": [session_line(a) for a in stranded]},
    )


def opening_hours_set(
    *,
    actor: Actor,
    week: Mapping[int, tuple[time, time] | None],
    change_anyway: bool = False,
) -> None:
    """The clinic's hours per weekday (None: closed that day); the given days' rows are
    replaced together. Hours that leave booked sessions outside are refused, naming them
    (409), unless `change_anyway`: the sessions stay booked for reception to move."""
    check_settings_access(actor)
    for day, span in week.items():
        if span is not None and not span[0] < span[1]:
            raise field_error(f"close_{day}", _("Closing time must be after opening time."))
    with transaction.atomic():
        stranded = outside_new_hours(week, timezone.now())
        if stranded and not change_anyway:
            _refuse_stranded_hours(stranded)
        OpeningHours.objects.filter(weekday__in=list(week)).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(weekday=d, start=s[0], end=s[1]) for d, s in week.items() if s
        )


# --- Policy -------------------------------------------------------------------------------

POLICY_FIELDS = frozenset(
    {
        "patient_min_notice_minutes",
        "booking_horizon_days",
        "patient_cancel_cutoff_hours",
        "device_buffer_minutes",
        "slot_step_minutes",
        "reminder_offsets_minutes",
        "quiet_hours_start",
        "quiet_hours_end",
        "waitlist_offer_minutes",
        "check_in_opens_minutes",
    }
)


def policy_update(*, actor: Actor, changes: Mapping[str, object]) -> ClinicPolicy:
    check_settings_access(actor)
    unknown = set(changes) - POLICY_FIELDS
    if unknown:
        raise Invalid(_("Unknown setting: %s.") % ", ".join(sorted(unknown)))
    if changes.get("slot_step_minutes", 15) not in (5, 10, 15, 20, 30, 60):
        raise field_error("slot_step_minutes", _("Choose 5, 10, 15, 20, 30 or 60 minutes."))
    if changes.get("quiet_hours_start") == changes.get("quiet_hours_end") is not None:
        raise field_error("quiet_hours_end", _("Quiet hours must end at another time."))
    with transaction.atomic():
        policy, _created = ClinicPolicy.objects.select_for_update().get_or_create(pk=1)
        for name, value in changes.items():
            setattr(policy, name, value)
        if "reminder_offsets_minutes" in changes:
            policy.reminder_offsets_minutes = sorted(set(policy.reminder_offsets_minutes))[::-1]
        policy.save()
    return policy


# --- Rooms and devices --------------------------------------------------------------------


def _unique_name(model: type[Room] | type[Device], name: str, pk: int | None) -> str:
    name = name.strip()
    if not name:
        raise field_error("name", _("Give a name."))
    if model.objects.filter(name__iexact=name).exclude(pk=pk).exists():
        raise field_error("name", _("%s is taken: choose another name.") % name)
    return name


def room_save(*, actor: Actor, room: Room | None, name: str, is_active: bool) -> Room:
    check_settings_access(actor)
    room = room or Room()
    room.name, room.is_active = _unique_name(Room, name, room.pk), is_active
    room.save()
    return room


def device_save(
    *, actor: Actor, device: Device | None, name: str, serial_number: str, is_active: bool
) -> Device:
    check_settings_access(actor)
    device = device or Device()
    device.name = _unique_name(Device, name, device.pk)
    device.serial_number, device.is_active = serial_number.strip(), is_active
    device.save()
    return device


def outage_add(
    *, actor: Actor, device: Device, start: datetime, end: datetime, reason: str
) -> DeviceOutage:
    check_settings_access(actor)
    if end <= start:
        raise field_error("end", _("The end must be after the start."))
    if not reason.strip():
        raise field_error("reason", _("Say why the device is out of service."))
    period = DateTimeTZRange(start, end, "[)")
    if DeviceOutage.objects.filter(device=device, period__overlap=period).exists():
        raise field_error("start", _("This overlaps another outage of the device."))
    return DeviceOutage.objects.create(device=device, period=period, reason=reason.strip())


def outage_delete(*, actor: Actor, outage: DeviceOutage) -> None:
    check_settings_access(actor)
    DeviceOutage.objects.filter(pk=outage.pk).delete()


# --- Practitioners ------------------------------------------------------------------------


def practitioner_candidates(current: Practitioner | None = None) -> QuerySet:
    """Active staff logins with a clinical role, not yet another practitioner: never a
    patient's login, never reception's."""
    taken = Practitioner.objects.exclude(pk=current.pk if current else None)
    return (
        User.objects.filter(is_active=True, groups__name__in=[r.value for r in CLINICAL_ROLES])
        .exclude(pk__in=taken.values("user_id"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def practitioner_save(
    *,
    actor: Actor,
    practitioner: Practitioner | None,
    user_id: int,
    display_name: str,
    treatments: Iterable[Treatment],
    is_active: bool,
) -> Practitioner:
    check_settings_access(actor)
    if not practitioner_candidates(practitioner).filter(pk=user_id).exists():
        raise field_error("user", _("Choose a dermatologist's staff login."))
    if not display_name.strip():
        raise field_error("display_name", _("Give the name patients see."))
    with transaction.atomic():
        practitioner = practitioner or Practitioner()
        practitioner.user_id, practitioner.display_name = user_id, display_name.strip()
        practitioner.is_active = is_active
        practitioner.save()
        practitioner.treatments.set(list(treatments))
    return practitioner


# --- Cancel reasons -----------------------------------------------------------------------


def cancel_reason_save(
    *,
    actor: Actor,
    reason: CancelReason | None,
    label_en: str,
    label_uk: str,
    needs_note: bool,
    is_active: bool,
    position: int,
) -> CancelReason:
    check_settings_access(actor)
    if not label_en.strip():
        raise field_error("label_en", _("Give the label in English."))
    reason = reason or CancelReason(code=_free_code(label_en))
    reason.label_en, reason.label_uk = label_en.strip(), label_uk.strip()
    reason.needs_note, reason.is_active, reason.position = needs_note, is_active, position
    reason.save()
    return reason


def _free_code(label: str) -> str:
    base = slugify(label)[:30] or "reason"
    code, n = base, 2
    while CancelReason.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return code


# --- Practitioners' hours and time off ------------------------------------------------------


def practitioner_hours_set(
    *,
    actor: Actor,
    practitioner: Practitioner,
    week: Mapping[int, tuple[time, time] | None],
    change_anyway: bool = False,
) -> None:
    """A practitioner's weekly hours, one span a weekday (None: not working that day);
    hours that leave their booked sessions outside need `change_anyway`, as the clinic's."""
    check_settings_access(actor)
    for day, span in week.items():
        if span is not None and not span[0] < span[1]:
            raise field_error(f"close_{day}", _("The end must be after the start."))
    with transaction.atomic():
        stranded = outside_new_hours(week, timezone.now(), practitioner)
        if stranded and not change_anyway:
            _refuse_stranded_hours(stranded)
        WorkingHours.objects.filter(practitioner=practitioner, weekday__in=list(week)).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=d, start=s[0], end=s[1])
            for d, s in week.items()
            if s
        )


def time_off_add(
    *,
    actor: Actor,
    practitioner: Practitioner,
    day: date,
    start: time | None,
    end: time | None,
    reason: str,
) -> WorkingException:
    """Time off on a date: the whole day without times, else from start to end."""
    check_settings_access(actor)
    if (start is None) != (end is None):
        raise field_error("end", _("Give both times, or neither for the whole day."))
    if start is not None and not start < end:
        raise field_error("end", _("The end must be after the start."))
    return WorkingException.objects.create(
        practitioner=practitioner,
        date=day,
        kind=ExceptionKind.OFF,
        start=start,
        end=end,
        reason=reason.strip(),
    )


def time_off_delete(*, actor: Actor, exception: WorkingException) -> None:
    check_settings_access(actor)
    WorkingException.objects.filter(pk=exception.pk).delete()
