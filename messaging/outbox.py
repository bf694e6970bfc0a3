"""The outbox service: create, move and void message rows.

Every function here runs inside the caller's transaction (the booking, move, cancel or
completion that causes the message), so a change and its messages commit or roll back
together. Delivery is the worker's job (messaging.delivery).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop  # reasons kept in English, shown translated
from django_guid import get_guid

from appointments.calendar import calendar_config, local_date
from appointments.events import Move
from appointments.models import Appointment, ClinicPolicy, Closure, Course
from appointments.selectors import course_progress
from clinic.rows import insert_rows
from messaging import timing
from messaging.models import UNSENT, Message, MessageChannel, MessageKind, MessageStatus
from messaging.sms import sms_enabled
from patients.models import ConsultationStatus, Patient, TreatmentPlan
from treatments.models import Treatment

# Statuses a move may bring back to pending: nothing was delivered.
REVIVABLE = (*UNSENT, MessageStatus.VOID, MessageStatus.SKIPPED, MessageStatus.FAILED)


def channels_for(patient: Patient) -> list[str]:
    """The channels the patient wants and we can reach them on."""
    channels = []
    if patient.remind_by_email and patient.email:
        channels.append(MessageChannel.EMAIL)
    if patient.remind_by_sms and patient.phone and sms_enabled():
        channels.append(MessageChannel.SMS)
    return channels


_CHANNEL_FIELDS = frozenset({"email", "phone", "remind_by_email", "remind_by_sms"})


def _patient(appointment: Appointment) -> Patient:
    """The patient's channel fields: from the row the caller loaded, else one query (a
    patient's own booking holds a stand-in Patient with only its id)."""
    if Appointment.patient.is_cached(appointment):
        known = appointment.patient
        if not known._state.adding and not (_CHANNEL_FIELDS & known.get_deferred_fields()):
            return known
    return Patient.objects.only(*_CHANNEL_FIELDS).get(pk=appointment.patient_id)


def build_row(patient_id: int, channel: str, kind: str, due: datetime, **fields: object) -> Message:
    return Message(
        patient_id=patient_id,
        channel=channel,
        kind=kind,
        due_at=due,
        next_attempt_at=due,
        request_id=get_guid() or "",
        **fields,
    )


def _save(rows: Iterable[Message]) -> None:
    # Creating the same message twice is a no-op (the unique constraints), not an error.
    # (bulk_create(ignore_conflicts=True), leaner: clinic.rows says why.)
    insert_rows(list(rows), ignore_conflicts=True)


def _reminder_times(start: datetime, policy: ClinicPolicy) -> dict[int, datetime]:
    return {
        offset: timing.reminder_due(start, offset, policy.quiet_hours_start, policy.quiet_hours_end)
        for offset in sorted(set(policy.reminder_offsets_minutes))
        if offset > 0
    }


def _reminders(appointment: Appointment, channels: list[str], now: datetime) -> list[Message]:
    rows = []
    for offset, due in _reminder_times(appointment.start, calendar_config().policy).items():
        for channel in channels:
            row = build_row(
                appointment.patient_id,
                channel,
                MessageKind.REMINDER,
                due,
                appointment_id=appointment.pk,
                offset_minutes=offset,
            )
            if due <= now:
                row.status, row.last_error = MessageStatus.SKIPPED, _too_late()
            rows.append(row)
    return rows


def _too_late() -> str:
    return gettext_noop(
        "Its time (quiet hours applied) had passed when the session was booked or moved."
    )


def on_booked(appointment: Appointment, *, now: datetime | None = None) -> None:
    """A booking: its confirmation now (one for a whole course), its reminders at the
    policy's offsets."""
    now = now or timezone.now()
    channels = channels_for(_patient(appointment))
    # A course books all its sessions at once: one confirmation lists them all (the key
    # makes those of the later sessions no-ops); each session keeps its own reminders.
    key = f"course-{appointment.course_id}" if appointment.course_id else ""
    confirmations = [
        build_row(
            appointment.patient_id,
            c,
            MessageKind.CONFIRMATION,
            now,
            appointment_id=appointment.pk,
            key=key,
        )
        for c in channels
    ]
    _save(confirmations + _reminders(appointment, channels, now))


def on_rescheduled(
    appointment: Appointment,
    *,
    now: datetime | None = None,
    previous: Move | None = None,
    notify: bool = True,
) -> None:
    """A move: every reminder not yet delivered follows the session to its new time (one
    delivered already is not repeated); reminders for offsets no longer in the policy are
    voided. A claimed row is taken back: its worker will find it changed and not send.
    With `previous` and `notify`, the move notice goes now on every channel."""
    now = now or timezone.now()
    if notify and previous is not None:
        _move_notice(appointment, [previous], f"move-{appointment.pk}-{appointment.sequence}", now)
    existing = list(Message.objects.filter(appointment=appointment, kind=MessageKind.REMINDER))
    channels = sorted({m.channel for m in existing} | set(channels_for(_patient(appointment))))
    wanted = {(r.offset_minutes, r.channel): r for r in _reminders(appointment, channels, now)}
    for message in existing:
        target = wanted.pop((message.offset_minutes, message.channel), None)
        if target is None:
            _void(
                Message.objects.filter(pk=message.pk),
                gettext_noop("The clinic no longer sends this reminder."),
            )
        else:
            _move(message, target)
    _save(wanted.values())


def _moved(moves: Iterable[Move]) -> list[dict[str, object]]:
    """What the notice says about each session that really moved: where it was and where
    it is (ids and ISO times, read again when the message is composed)."""
    moves = list(moves)
    now_at = {
        a.pk: a
        for a in Appointment.objects.filter(pk__in=[m.appointment_id for m in moves]).only(
            "start", "practitioner_id"
        )
    }
    return [
        {
            "appointment": m.appointment_id,
            "old_start": m.start.isoformat(),
            "old_practitioner": m.practitioner_id,
            "new_start": now_at[m.appointment_id].start.isoformat(),
            "new_practitioner": now_at[m.appointment_id].practitioner_id,
        }
        for m in moves
        if (m.start, m.practitioner_id)
        != (now_at[m.appointment_id].start, now_at[m.appointment_id].practitioner_id)
    ]


def _move_notice(appointment: Appointment, moves: list[Move], key: str, now: datetime) -> None:
    """One "your appointment was moved" message per channel, due now; its key names the
    calendar version, so the same move never tells twice and every move tells once."""
    changes = _moved(moves)
    if not changes:
        return
    context = {"changes": changes, "course": appointment.course_id}
    _save(
        build_row(
            appointment.patient_id,
            c,
            MessageKind.MOVE,
            now,
            appointment_id=appointment.pk,
            key=key[:120],
            context=context,
        )
        for c in channels_for(_patient(appointment))
    )


def on_course_rescheduled(
    course: Course, moves: list[Move], *, now: datetime | None = None
) -> None:
    """A whole course re-planned: one notice lists every session that moved."""
    if not moves:
        return
    first = Appointment.objects.select_related("patient").get(pk=moves[0].appointment_id)
    version = sum(course.appointments.values_list("sequence", flat=True))
    _move_notice(first, moves, f"course-{course.pk}-moved-{version}", now or timezone.now())


def _move(message: Message, target: Message) -> None:
    Message.objects.filter(pk=message.pk, status__in=REVIVABLE).update(
        status=target.status,
        due_at=target.due_at,
        next_attempt_at=target.due_at,
        attempts=0,
        dispatched_at=None,
        claim_token="",
        claimed_at=None,
        last_error=target.last_error,
    )


def _void(messages: QuerySet[Message], reason: str) -> int:
    return messages.filter(status__in=UNSENT).update(
        status=MessageStatus.VOID, last_error=reason, claim_token=""
    )


def void_pending(appointment: Appointment, reason: str) -> int:
    """Void every message of the appointment not yet delivered."""
    return _void(Message.objects.filter(appointment=appointment), reason)


def on_cancelled(appointment: Appointment, *, now: datetime | None = None) -> None:
    """A cancellation: nothing more about the session goes out, except the notice."""
    now = now or timezone.now()
    void_pending(appointment, gettext_noop("The appointment was cancelled."))
    channels = channels_for(_patient(appointment))
    _save(
        build_row(
            appointment.patient_id, c, MessageKind.CANCELLATION, now, appointment_id=appointment.pk
        )
        for c in channels
    )


def on_day_closed(appointment: Appointment, closure: Closure, *, now: datetime) -> None:
    """The clinic closed on the session's day: the patient is asked, now, to choose another
    time (the session stays booked until it is moved). Its reminders wait: reception may
    still move it. Once per session (the outbox's unique constraint)."""
    channels = channels_for(_patient(appointment))
    context = {"reason": closure.reason}
    _save(
        build_row(
            appointment.patient_id,
            c,
            MessageKind.CLOSURE_NOTICE,
            now,
            appointment_id=appointment.pk,
            context=context,
        )
        for c in channels
    )


def _home_care_advice(appointment: Appointment) -> str:
    """The home-care advice of the latest signed plan for this treatment, if any."""
    plan = (
        TreatmentPlan.objects.filter(
            consultation__patient_id=appointment.patient_id,
            consultation__status=ConsultationStatus.SIGNED,
            treatment_id=appointment.treatment_id,
        )
        .exclude(home_care="")
        .order_by("-consultation__performed_on", "-consultation_id")
        .values_list("home_care", flat=True)
        .first()
    )
    return plan or ""


def on_completed(appointment: Appointment, *, now: datetime | None = None) -> None:
    """A session done: home-care advice from the plan; for a course that goes on, a nudge
    about the next session; for a course just completed, a thank-you with the recall date
    and a booking link. All wait for the end of quiet hours."""
    now = now or timezone.now()
    void_pending(appointment, gettext_noop("The session took place."))
    policy = calendar_config().policy
    due = timing.after_quiet_hours(now, policy.quiet_hours_start, policy.quiet_hours_end)
    kinds: list[tuple[str, dict]] = []
    advice = _home_care_advice(appointment)
    if advice:
        kinds.append((MessageKind.HOME_CARE, {"advice": advice}))
    if appointment.course_id and not _course_completed(appointment):
        kinds.append((MessageKind.COURSE_NUDGE, {"book_url": booking_url(appointment.treatment)}))
    elif appointment.course_id:
        kinds.append((MessageKind.COURSE_DONE, _course_done(appointment, now)))
    channels = channels_for(_patient(appointment)) if kinds else []
    _save(
        build_row(
            appointment.patient_id, c, kind, due, appointment_id=appointment.pk, context=context
        )
        for kind, context in kinds
        for c in channels
    )


def _course_completed(appointment: Appointment) -> bool:
    return course_progress(appointment.course).completed


def booking_url(treatment: Treatment) -> str:
    """The patient's booking page of the treatment, as a link for a message."""
    path = reverse("appointments:book-treatment", kwargs={"slug": treatment.slug})
    return settings.CLINIC_BASE_URL.rstrip("/") + path


def _course_done(appointment: Appointment, now: datetime) -> dict[str, str]:
    """The thank-you at the end of a course: when the maintenance recall will come (the
    treatment's interval from today), and where to book before that."""
    days = appointment.treatment.recall_after_days
    recall_on = local_date(now + timedelta(days=days)).isoformat() if days else ""
    return {"recall_on": recall_on, "book_url": booking_url(appointment.treatment)}


def enqueue_waitlist_offer(
    *,
    patient: Patient,
    treatment: Treatment,
    start: datetime,
    key: str,
    expires_at: datetime | None = None,
    practitioner_name: str = "",
    offer_url: str = "",
    now: datetime | None = None,
) -> list[Message]:
    """Offer a freed slot to a waiting patient, now (a waitlist offer cannot wait for the
    morning). `key` identifies the offer (e.g. f"waitlist-offer-{offer.pk}"): enqueueing
    the same key twice yields one message per channel. Call it inside the transaction that
    creates the offer. Returns the offer's message rows."""
    now = now or timezone.now()
    context = {
        "treatment_id": treatment.pk,
        "treatment": treatment.name,
        "start": start.isoformat(),
        "expires_at": expires_at.isoformat() if expires_at else "",
        "practitioner": practitioner_name,
        "url": offer_url,
    }
    rows = [
        build_row(patient.pk, c, MessageKind.WAITLIST_OFFER, now, key=key[:120], context=context)
        for c in channels_for(patient)
    ]
    _save(rows)
    return list(Message.objects.filter(key=key[:120], kind=MessageKind.WAITLIST_OFFER))


def enqueue_receipt(
    *, patient: Patient, key: str, number: str, now: datetime | None = None
) -> bool:
    """A receipt by email (billing attaches the PDF when it is sent). `key` identifies the
    document: queueing it twice yields one message. Call it inside the transaction that
    issues the document. False when the patient has no email to send it to."""
    if not patient.email:
        return False
    row = build_row(
        patient.pk,
        MessageChannel.EMAIL,
        MessageKind.RECEIPT,
        now or timezone.now(),
        key=key[:120],
        context={"number": number},
    )
    _save([row])
    return True
