"""Appointments. The database itself refuses double bookings: exclusion constraints on
the blocked time range per practitioner, room, device and patient."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.fields.Field()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(start), F(end), RangeBoundary())


class Status(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    # A slot kept for one patient until held_until (a waitlist offer, an unpaid deposit):
    # the exclusion constraints count it, so nobody else can book the time meanwhile.
    HELD = "held", _("Held")
    RELEASED = "released", _("Hold lapsed")


# A cancelled appointment or a lapsed hold blocks nothing. A live HELD row blocks; one past
# its held_until is released by whoever next needs the time (hold_release_lapsed).
INACTIVE_STATUSES = (Status.CANCELLED, Status.RELEASED)
ACTIVE = ~Q(status__in=INACTIVE_STATUSES)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    DESK = "desk", _("Reception desk")
    API = "api", _("API")


def _no_overlap(resource: str, end: str = "blocked_until") -> ExclusionConstraint:
    return ExclusionConstraint(
        name=f"appointment_no_{resource}_overlap",
        expressions=[
            (TsTzRange("start", end), RangeOperators.OVERLAPS),
            (resource, RangeOperators.EQUAL),
        ],
        condition=ACTIVE,
    )


class Appointment(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey("appointments.Room", on_delete=models.PROTECT, related_name="+")
    device = models.ForeignKey(
        "appointments.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # end plus the device cleanup buffer: the range the resources are blocked for.
    blocked_until = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    held_until = models.DateTimeField(null=True, blank=True)
    course = models.ForeignKey(
        "appointments.Course",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    booked_via = models.CharField(max_length=10, choices=Channel.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_reason = models.CharField(max_length=300, blank=True)
    cancel_reason = models.ForeignKey(
        "appointments.CancelReason",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The iCalendar SEQUENCE of the session: raised by each move and by a cancellation,
    # so a subscribed calendar replaces its copy of the event instead of keeping it.
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            # Every calendar read is "what overlaps this window": bounded by start.
            models.Index(fields=["start"], name="appointment_start_idx"),
            models.Index(fields=["patient", "start"], name="appointment_patient_start_idx"),
            # The housekeeping sweep looks for holds past their time.
            models.Index(
                fields=["held_until"],
                name="appointment_live_hold_idx",
                condition=Q(status=Status.HELD),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="appointment_times_ordered",
                condition=Q(start__lt=F("end")) & Q(end__lte=F("blocked_until")),
            ),
            models.CheckConstraint(
                name="appointment_hold_has_end",
                condition=~Q(status=Status.HELD) | Q(held_until__isnull=False),
            ),
            _no_overlap("practitioner"),
            _no_overlap("room"),
            _no_overlap("device"),
            _no_overlap("patient", end="end"),  # the cleanup buffer is the device's, not hers
            models.CheckConstraint(
                name="appointment_cancel_reason_only_when_cancelled",
                condition=Q(cancel_reason__isnull=True) | Q(status="cancelled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.treatment_id} for {self.patient_id} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status not in (Status.CANCELLED, Status.RELEASED)


class IdempotencyKey(models.Model):
    """The first result of a booking write, replayed for a request with the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return self.key
