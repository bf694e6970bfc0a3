"""What a course booking should be warned about, though the clinic may still book it: more
sessions in a week than the consultation's plan says, and two device sessions of one area
on one day (within the course, or with a session the patient already has). Saves nothing.

These are clinical cautions rather than hard rules (a dermatologist may have agreed a
denser week on the phone), so the desk and the API book them only when told to anyway."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import formats
from django.utils.translation import gettext as _

from appointments.calendar import local_date, zone
from appointments.models import ACTIVE, Appointment
from clinic.errors import Invalid
from patients.models import Consultation, ConsultationStatus, Patient, TreatmentPlan
from treatments.models import Treatment

OVER_WEEKLY_PLAN = "over_weekly_plan"
SAME_AREA_SAME_DAY = "same_area_same_day"


@dataclass(frozen=True)
class CourseWarning:
    code: str
    start: datetime  # the course session the warning is about
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "start": self.start.isoformat(), "message": self.message}


def planned_per_week(consultation: Consultation, treatment: Treatment) -> int | None:
    plan = consultation.plans.filter(treatment=treatment).first()
    return plan.sessions_per_week if plan else None


def latest_planned_per_week(patient: Patient, treatment: Treatment) -> int | None:
    """The sessions a week of the latest signed plan of the treatment, if any."""
    plan = (
        TreatmentPlan.objects.filter(
            consultation__patient=patient,
            consultation__status=ConsultationStatus.SIGNED,
            treatment=treatment,
        )
        .order_by("-consultation__performed_on", "-consultation_id")
        .first()
    )
    return plan.sessions_per_week if plan else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _over_weekly_plan(starts: Sequence[datetime], per_week: int) -> list[CourseWarning]:
    """Every session past the plan's number in its calendar week (Monday to Sunday)."""
    weeks: dict[date, list[datetime]] = defaultdict(list)
    for start in sorted(starts):
        weeks[_monday(local_date(start))].append(start)
    out = []
    for monday, in_week in sorted(weeks.items()):
        for start in in_week[per_week:]:
            message = _(
                "%(n)s sessions in the week of %(w)s; the consultation's plan says %(p)s a week."
            ) % {"n": len(in_week), "w": formats.date_format(monday), "p": per_week}
            out.append(CourseWarning(OVER_WEEKLY_PLAN, start, message))
    return out


def _same_day_sessions(
    patient: Patient, treatment: Treatment, days: set[date], ignore: Sequence[int]
) -> dict[date, list[Appointment]]:
    """The patient's other device sessions on those days that treat an area this one does."""
    lo = datetime.combine(min(days), time(0), tzinfo=zone())
    hi = datetime.combine(max(days) + timedelta(days=1), time(0), tzinfo=zone())
    rows = (
        Appointment.objects.filter(
            ACTIVE, patient=patient, treatment__requires_device=True, start__gte=lo, start__lt=hi
        )
        .exclude(pk__in=ignore)
        .select_related("treatment")
    )
    found: dict[date, list[Appointment]] = defaultdict(list)
    for a in rows:
        day = local_date(a.start)
        if day in days and a.treatment.treated_areas & treatment.treated_areas:
            found[day].append(a)
    return found


def _same_area_same_day(
    patient: Patient, treatment: Treatment, starts: Sequence[datetime], ignore: Sequence[int]
) -> list[CourseWarning]:
    if not (treatment.requires_device and treatment.treated_areas and starts):
        return []
    by_day: dict[date, list[datetime]] = defaultdict(list)
    for start in sorted(starts):
        by_day[local_date(start)].append(start)
    existing = _same_day_sessions(patient, treatment, set(by_day), ignore)
    out = []
    for day, day_starts in sorted(by_day.items()):
        for a in existing.get(day, []):
            message = _("The patient already has %(t)s at %(h)s that day (the same area).") % {
                "t": _(a.treatment.name),
                "h": a.start.astimezone(zone()).strftime("%H:%M"),
            }
            out += [CourseWarning(SAME_AREA_SAME_DAY, s, message) for s in day_starts]
        for start in day_starts[1:]:
            message = _("Another session of this course treats the same area that day.")
            out.append(CourseWarning(SAME_AREA_SAME_DAY, start, message))
    return out


def course_warnings(
    *,
    patient: Patient,
    treatment: Treatment,
    per_week: int | None,
    starts: Sequence[datetime],
    ignore: Sequence[int] = (),
) -> list[CourseWarning]:
    """The cautions for these session times, in the order of the sessions."""
    warnings = _same_area_same_day(patient, treatment, starts, ignore)
    if per_week:
        warnings += _over_weekly_plan(starts, per_week)
    return sorted(warnings, key=lambda w: (w.start, w.code))


def check_warnings_confirmed(warnings: Sequence[CourseWarning], confirmed: bool) -> None:
    """Refuse, naming every caution, unless the caller confirmed booking anyway."""
    if warnings and not confirmed:
        raise Invalid(
            _("Check the warnings: book anyway only if the dermatologist agrees."),
            code="course_needs_confirmation",
            fields={"confirm_warnings": [_("Confirm to book despite the warnings.")]},
            details={"warnings": [w.as_dict() for w in warnings]},
        )
