"""The outbox: one row per message to a patient, written in the same transaction as the
change that causes it, delivered by the Celery worker (messaging).

A row's life: `pending` (waiting for `next_attempt_at`) -> `sending` (claimed by one
worker, `claim_token`) -> `sent`; or back to `pending` with a later `next_attempt_at`
after a temporary failure; `failed` after the last try or a permanent refusal; `void`
when the appointment was cancelled or moved so the message no longer applies; `skipped`
when it could not apply (its time had passed, the patient switched the channel off).
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MessageKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Booking confirmation")
    REMINDER = "reminder", _("Reminder")
    HOME_CARE = "home_care", _("Home-care advice")
    COURSE_NUDGE = "course_nudge", _("Course: next session")
    CANCELLATION = "cancellation", _("Cancellation notice")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist offer")
    CLOSURE_NOTICE = "closure_notice", _("Clinic closed: choose another time")
    COURSE_DONE = "course_done", _("Course complete: thank you")
    RECALL = "recall", _("Recall for a maintenance session")
    SURVEY = "survey", _("Feedback survey")
    MOVE = "move", _("Move notice")
    RECEIPT = "receipt", _("Receipt")
    FORM_DUE = "form_due", _("Forms to answer before a visit")


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    VOID = "void", _("Void")
    SKIPPED = "skipped", _("Skipped")


# Statuses a service may still move or void: nothing has left the building yet.
UNSENT = (MessageStatus.PENDING, MessageStatus.SENDING)


class Message(models.Model):
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="messages",
        db_index=False,  # message_patient_idx leads with the patient
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    # A reminder's kind includes how long before the session it goes: 24 h and 2 h
    # reminders are two kinds of message. 0 for every other kind.
    offset_minutes = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=8, choices=MessageChannel.choices)
    # The identity of a message that has no appointment (a waitlist offer), given by
    # the caller so that enqueueing twice yields one message.
    key = models.CharField(max_length=120, blank=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    due_at = models.DateTimeField(help_text=_("When it is planned to go (quiet hours applied)."))
    next_attempt_at = models.DateTimeField(help_text=_("When the worker may try next."))
    attempts = models.PositiveSmallIntegerField(default=0)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What the message says that may change later at its source (home-care advice,
    # the offered slot): copied when the message is created.
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The id of the request (or task) whose change created the message: the worker's log
    # lines about the message carry it, so a booking can be followed to its emails.
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        # The table keeps the name it had when the outbox was part of appointments: the
        # move to this app changed no table and no row (see migrations/0001_initial.py).
        db_table = "appointments_message"
        ordering = ["-due_at", "-id"]
        indexes = [
            # The sweep: due pending rows, oldest first. Partial, so it stays small.
            models.Index(
                fields=["next_attempt_at"],
                name="message_pending_due_idx",
                condition=Q(status="pending"),
            ),
            # Lease recovery: claims of workers that died.
            models.Index(
                fields=["claimed_at"], name="message_sending_idx", condition=Q(status="sending")
            ),
            models.Index(fields=["patient", "-due_at"], name="message_patient_idx"),
            models.Index(fields=["status", "-due_at"], name="message_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "offset_minutes", "channel"],
                # A move is an event of its own: moving twice tells twice (each notice's
                # key names the appointment's calendar version, so it is still once).
                condition=Q(appointment__isnull=False) & ~Q(kind="move"),
                name="message_once_per_appointment_kind",
            ),
            models.CheckConstraint(
                name="message_move_has_key",
                condition=~Q(kind="move") | ~Q(key=""),
            ),
            models.UniqueConstraint(
                fields=["key", "kind", "channel"],
                condition=~Q(key=""),
                name="message_once_per_key",
            ),
            models.CheckConstraint(
                name="message_has_identity",
                condition=Q(appointment__isnull=False) | ~Q(key=""),
            ),
            models.CheckConstraint(
                name="message_offset_only_for_reminders",
                condition=Q(kind="reminder", offset_minutes__gt=0) | Q(offset_minutes=0),
            ),
            models.CheckConstraint(
                name="message_sent_has_time",
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} to patient {self.patient_id} ({self.status})"


class LinkAction(models.TextChoices):
    CONFIRM = "confirm", _("Confirm")
    CANCEL = "cancel", _("Cancel")


class MessageLinkUse(models.Model):
    """A signed link of a message was used. Each link works once (the constraint)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="link_uses")
    action = models.CharField(max_length=10, choices=LinkAction.choices)
    used_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        db_table = "appointments_messagelinkuse"  # as Message.Meta.db_table
        ordering = ["used_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "action"], name="message_link_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.action} via message {self.message_id}"


# --- Keeping patients: recalls and surveys (SPEC S11) ---------------------------------


class FollowUpOptOut(models.Model):
    """The patient wants no non-essential messages (recalls, surveys). Reminders and
    notices about booked sessions still go: those are part of the booking."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="follow_up_opt_out"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Patient {self.patient_id} wants no recalls or surveys"


class RecallOutcome(models.TextChoices):
    BOOKING = "booking", _("Invited to book a maintenance session")
    CONSULTATION = "consultation", _("Invited to a consultation (no valid clearance)")
    BOOKED_AGAIN = "booked_again", _("Not sent: booked again")
    OPTED_OUT = "opted_out", _("Not sent: opted out or no channel")
    EXPIRED = "expired", _("Not sent: found over a month after its date")


class Recall(models.Model):
    """The one recall of a finished course: the row exists once per course (the unique
    course), whatever two beats or a retried task do, and says what was decided."""

    course = models.OneToOneField(
        "appointments.Course", on_delete=models.PROTECT, related_name="recall"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="+"
    )
    course_ended_at = models.DateTimeField()
    outcome = models.CharField(max_length=14, choices=RecallOutcome.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Recall of course {self.course_id}: {self.outcome}"


class SurveyStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")


SURVEY_SCORE_MAX = 10


class Survey(models.Model):
    """The one feedback survey of a finished course. A patient gets at most one every 90
    days: the sent surveys' 90-day windows of one patient never overlap (the exclusion
    constraint). A skipped one (a survey went lately, or no channel) keeps the course
    from being asked about again."""

    course = models.OneToOneField(
        "appointments.Course", on_delete=models.PROTECT, related_name="survey"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.PROTECT, related_name="+"
    )
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=SurveyStatus.choices)
    skip_reason = models.CharField(max_length=200, blank=True)
    window = DateRangeField(null=True, blank=True)  # [sent on, sent on + 90 days)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            ExclusionConstraint(
                name="survey_one_per_patient_per_90_days",
                expressions=[
                    ("patient", RangeOperators.EQUAL),
                    ("window", RangeOperators.OVERLAPS),
                ],
                condition=Q(status="sent"),
            ),
            models.CheckConstraint(
                name="survey_sent_has_window",
                condition=Q(status="skipped") | Q(window__isnull=False),
            ),
            models.CheckConstraint(
                name="survey_score_range",
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=SURVEY_SCORE_MAX),
            ),
            models.CheckConstraint(
                name="survey_answer_complete",
                condition=Q(answered_at__isnull=True, score__isnull=True)
                | Q(answered_at__isnull=False, score__isnull=False, status="sent"),
            ),
        ]

    def __str__(self) -> str:
        return f"Survey of course {self.course_id} ({self.status})"
