"""Treatment courses and the waitlist."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CourseStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Course(models.Model):
    """A patient's course of one treatment, as planned at a consultation. Progress (done,
    missed, remaining, completed) is derived from its appointments, never stored twice."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="+"
    )
    consultation = models.ForeignKey(
        "patients.Consultation", on_delete=models.PROTECT, related_name="courses"
    )
    planned_sessions = models.PositiveSmallIntegerField()
    preferred_weekdays = ArrayField(models.PositiveSmallIntegerField(), default=list)
    preferred_time = models.TimeField()
    preferred_practitioner = models.ForeignKey(
        "appointments.Practitioner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    start_date = models.DateField()
    status = models.CharField(
        max_length=10, choices=CourseStatus.choices, default=CourseStatus.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="course_sessions_positive", condition=Q(planned_sessions__gt=0)
            )
        ]

    def __str__(self) -> str:
        return f"Course {self.pk}: {self.planned_sessions} x treatment {self.treatment_id}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class WaitlistEntry(models.Model):
    """A patient asks for an earlier slot for a treatment within a date range."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="waitlist"
    )
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        "appointments.Practitioner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    earliest = models.DateField()
    latest = models.DateField()
    # The times of day she could come (clinic time); no window: any time the clinic is open.
    time_from = models.TimeField(null=True, blank=True)
    time_to = models.TimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["treatment", "status", "earliest"])]
        constraints = [
            models.CheckConstraint(
                name="waitlist_dates_ordered", condition=Q(earliest__lte=F("latest"))
            ),
            models.CheckConstraint(
                name="waitlist_times_both_and_ordered",
                condition=Q(time_from__isnull=True, time_to__isnull=True)
                | Q(time_from__lt=F("time_to")),
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist {self.pk}: patient {self.patient_id} for treatment {self.treatment_id}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    LOST = "lost", _("Slot taken meanwhile")


class WaitlistOffer(models.Model):
    """A freed slot offered to one waiting patient, who may accept it until expires_at."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    start = models.DateTimeField()
    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.CASCADE, related_name="+"
    )
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    freed_by = models.ForeignKey(
        "appointments.Appointment", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open offer per slot: a freed slot goes to one patient at a time.
            models.UniqueConstraint(
                fields=["start", "practitioner"],
                condition=Q(status="open"),
                name="one_open_offer_per_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} of {self.start:%Y-%m-%d %H:%M}"

    @property
    def patient_id(self) -> int:
        return self.entry.patient_id
