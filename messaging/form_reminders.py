"""Forms due before a visit (SPEC S10): the confirmation carries their links (compose),
and 48 hours before the visit a reminder goes for those still unanswered.

Beat runs `plan_due` (messaging.tasks.plan_form_reminders). Each appointment is decided in
its own transaction under a lock on its row; the outbox's unique (appointment, kind,
channel) makes the reminder once per appointment, so once per appointment and form: two
beats, or a retried task, find the row and add nothing. It goes after quiet hours, in the
patient's language (rendered by the worker), and is skipped if the forms were answered
meanwhile (messaging.delivery).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from appointments.calendar import calendar_config
from appointments.models import ACTIVE, Appointment, Status
from messaging import outbox, timing
from messaging.models import Message, MessageKind
from patients.form_due import DueForm, forms_due

FORMS_AHEAD = timedelta(hours=48)


def visit_forms(appointment: Appointment) -> list[DueForm]:
    """The forms due before this visit, answered or not (a first visit: no earlier
    appointment that was not cancelled)."""
    earlier = Appointment.objects.filter(
        ACTIVE, patient_id=appointment.patient_id, start__lt=appointment.start
    )
    return forms_due(
        patient_id=appointment.patient_id,
        treatment=appointment.treatment,
        first_visit=not earlier.exists(),
    )


def unanswered(appointment: Appointment) -> list[DueForm]:
    return [due for due in visit_forms(appointment) if not due.answered]


def plan_due(now: datetime | None = None) -> int:
    """Queue the reminders due now; returns how many appointments got one."""
    now = now or timezone.now()
    return sum(form_reminder_plan(appointment_id=pk, now=now) for pk in _candidates(now))


def _candidates(now: datetime) -> list[int]:
    upcoming = Appointment.objects.filter(
        status=Status.BOOKED, start__gt=now, start__lte=now + FORMS_AHEAD
    ).exclude(messages__kind=MessageKind.FORM_DUE)
    return list(upcoming.values_list("id", flat=True))


def _due_now(now: datetime) -> datetime:
    policy = calendar_config().policy
    return timing.after_quiet_hours(now, policy.quiet_hours_start, policy.quiet_hours_end)


@transaction.atomic(durable=True)
def form_reminder_plan(*, appointment_id: int, now: datetime) -> bool:
    """The reminder of one appointment's unanswered forms, if it still needs one and can
    reach the patient before the visit (after quiet hours)."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("treatment", "patient")
        .get(pk=appointment_id)
    )
    due = _due_now(now)
    if appointment.status != Status.BOOKED or due >= appointment.start:
        return False
    missing = unanswered(appointment)
    if not missing:
        return False
    context = {"forms": [d.version.form.slug for d in missing]}
    rows = [
        outbox.build_row(
            appointment.patient_id,
            channel,
            MessageKind.FORM_DUE,
            due,
            appointment_id=appointment.pk,
            context=context,
        )
        for channel in outbox.channels_for(appointment.patient)
    ]
    return bool(Message.objects.bulk_create(rows, ignore_conflicts=True))
