"""Reads of the reception desk's patient page and wizards: appointments, courses, the
waitlist, clearance, and the treatment plans a course can be booked from.

Reception sees whether a patient is cleared (and why not), never the clinical notes: the
plans give only the treatment and the number of sessions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from appointments.calendar import zone
from appointments.models import (
    Appointment,
    CalendarVersion,
    CancelReason,
    Course,
    OfferStatus,
    Status,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from appointments.selectors import Progress, course_progress
from patients.models import ConsultationStatus, Patient, Screening, TreatmentPlan

UPCOMING = (Status.BOOKED, Status.CHECKED_IN)
PAST_SHOWN = 30


def appointment_detail_base() -> QuerySet[Appointment]:
    return Appointment.objects.select_related(
        "patient", "treatment", "practitioner", "room", "device", "status_changed_by"
    )


def patient_appointments(
    patient: Patient, now: datetime | None = None
) -> tuple[list[Appointment], list[Appointment]]:
    """(upcoming, recent past and cancelled, newest first)."""
    now = now or timezone.now()
    rows = list(appointment_detail_base().filter(patient=patient).order_by("start", "id"))
    upcoming = [a for a in rows if a.status in UPCOMING and a.end > now]
    past = [a for a in reversed(rows) if a not in upcoming][:PAST_SHOWN]
    return upcoming, past


def patient_courses(patient: Patient) -> list[tuple[Course, Progress]]:
    courses = Course.objects.filter(patient=patient).select_related("treatment")
    return [(c, course_progress(c)) for c in courses]


def patient_waitlist(patient: Patient) -> list[WaitlistEntry]:
    return list(
        WaitlistEntry.objects.filter(patient=patient, status=WaitlistStatus.WAITING)
        .select_related("treatment", "practitioner")
        .prefetch_related(
            Prefetch("offers", queryset=WaitlistOffer.objects.filter(status=OfferStatus.OPEN))
        )
    )


def course_plans(patient: Patient) -> QuerySet[TreatmentPlan]:
    """Treatment plans of the patient's signed consultations, newest first: a course is
    booked from one of them."""
    return (
        TreatmentPlan.objects.filter(
            consultation__patient=patient, consultation__status=ConsultationStatus.SIGNED
        )
        .select_related("treatment", "consultation")
        .order_by("-consultation__performed_on", "-id")
    )


def waitlist_open() -> list[WaitlistEntry]:
    """Everyone waiting, oldest first, with their open offers."""
    return list(
        WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING)
        .select_related("patient", "treatment", "practitioner")
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=WaitlistOffer.objects.filter(status=OfferStatus.OPEN).select_related(
                    "practitioner"
                ),
            )
        )
        .order_by("created_at", "id")
    )


def offers_recent(limit: int = 20) -> list[WaitlistOffer]:
    return list(
        WaitlistOffer.objects.exclude(status=OfferStatus.OPEN)
        .select_related("entry__patient", "entry__treatment", "practitioner")
        .order_by("-created_at")[:limit]
    )


def screening_dates(patient: Patient) -> Screening | None:
    """When the safety questionnaire was last answered or re-confirmed (not the answers:
    those are for the dermatologist)."""
    return Screening.objects.filter(patient=patient).only("answered_at", "confirmed_at").first()


_DAY_VERSION_SQL = """
SELECT (SELECT v.version FROM {version} v WHERE v.id = 1),
       md5(coalesce(string_agg(concat_ws(':', a.id, a.status, a.start, a."end",
           a.practitioner_id, a.room_id, a.device_id, a.treatment_id, a.course_id,
           (SELECT p.first_name || ' ' || p.last_name FROM {patient} p WHERE p.id = a.patient_id)
       ), ',' ORDER BY a.id), '')),
       (SELECT md5(coalesce(string_agg(concat_ws(':', r.id, r.code, r.label_en, r.label_uk,
           r.needs_note, r.is_active, r.position), ',' ORDER BY r.id), '')) FROM {reason} r)
FROM {appointment} a
WHERE a.start >= %s AND a.start < %s
"""


def day_version(day: date) -> str:
    """A tag that changes whenever anything the day grid shows of `day` changes: any
    appointment starting that day (a move in or out, a status, a name) or the calendar
    configuration (hours, closures), or the manager's move reasons (the page's drag
    dialog). One small query, so the desk's live refresh of an unchanged day costs only
    that."""
    lo = datetime.combine(day, time(0), tzinfo=zone())
    hi = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone())
    sql = _DAY_VERSION_SQL.format(
        version=CalendarVersion._meta.db_table,
        patient=Patient._meta.db_table,
        appointment=Appointment._meta.db_table,
        reason=CancelReason._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lo, hi])
        calendar, rows, reasons = cursor.fetchone()
    return f"{calendar or 0:x}-{rows}-{reasons[:8]}"
