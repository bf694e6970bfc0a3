"""Booking through the services, as the app does, with a clock the test chooses."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from appointments import services
from appointments.calendar import zone
from appointments.models import Appointment
from clinic.audit import Actor
from clinic.roles import Role
from messaging.models import Message, MessageKind
from tests.factories import staff


def book(clinic, patient, start: datetime, *, now: datetime | None = None, treatment=None):
    return services.appointment_book(
        actor=Actor(user=patient.user),
        patient=patient,
        treatment=treatment or clinic.face,
        start=start,
        now=now,
    )


def desk_book(
    clinic, patient, start: datetime, *, treatment=None, now=None, actor: Actor | None = None
) -> Appointment:
    return services.appointment_book(
        actor=actor or Actor(user=staff(Role.RECEPTION)),
        patient=patient,
        treatment=treatment or clinic.consultation,
        start=start,
        now=now,
    )


def reminders(appointment: Appointment) -> dict[int, Message]:
    rows = Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER)
    return {m.offset_minutes: m for m in rows}


def local_clock(moment: datetime) -> str:
    return timezone.localtime(moment, zone()).strftime("%Y-%m-%d %H:%M")


def make_all_due(**filters) -> int:
    """Travel in time: every pending message is due now (its session stays ahead)."""
    past = timezone.now() - timedelta(seconds=1)
    return Message.objects.filter(status="pending", **filters).update(next_attempt_at=past)


def consult_with_home_care(p, advice: str, slug: str = "microcurrent-therapy-face"):
    """A signed consultation that plans `slug` with home-care advice (via the service)."""
    from patients import services as patient_services
    from tests.factories import all_contraindications, treatment

    return patient_services.consultation_create(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=p,
        reviews=[
            patient_services.ReviewInput(contraindication=s, status="absent")
            for s in all_contraindications()
        ],
        plans=[
            patient_services.PlanInput(
                treatment=treatment(slug), sessions=8, sessions_per_week=2, home_care=advice
            )
        ],
        clearance="cleared",
        excluded_areas=[],
        sign=True,
        performed_on=timezone.localdate(),
        anamnesis="Healthy.",
    )


def attend(appointment: Appointment, *, now: datetime, actor: Actor | None = None) -> Appointment:
    """The visit as it happens: checked in at the start, completed at `now`."""
    actor = actor or Actor(user=staff(Role.RECEPTION))
    services.appointment_check_in(
        actor=actor, appointment=appointment, screening_confirmed=True, now=appointment.start
    )
    return services.appointment_complete(actor=actor, appointment=appointment, now=now)
