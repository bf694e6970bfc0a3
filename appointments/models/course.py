"""Treatment courses, session records with device parameters, and the waitlist."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from treatments.models import MICROCURRENT_HARD_LIMIT_UA, BodyArea


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


class Waveform(models.TextChoices):
    RECTANGULAR = "rectangular", _("Rectangular")
    SINE = "sine", _("Sine")
    BIPHASIC = "biphasic", _("Biphasic")
    MODULATED = "modulated", _("Modulated")


class RecordStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


def _score(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=f"session_record_{name}_0_to_10",
        condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (0, 10)}),
    )


SCORES = (
    "tone_clinician",
    "puffiness_clinician",
    "elasticity_clinician",
    "tone_patient",
    "puffiness_patient",
    "elasticity_patient",
)


def _score_field(label: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )


class SessionRecord(models.Model):
    """What was done in one treatment session: device parameters, response, outcome."""

    appointment = models.OneToOneField(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="session_record"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    current_ua = models.PositiveIntegerField(_("current (µA)"))
    # The treatment's recommended maximum when recorded: above it a justification is required.
    recommended_max_ua = models.PositiveIntegerField()
    current_justification = models.TextField(blank=True)
    frequency_hz = models.DecimalField(_("frequency (Hz)"), max_digits=7, decimal_places=2)
    waveform = models.CharField(max_length=15, choices=Waveform.choices)
    program = models.CharField(max_length=200, blank=True)
    areas = ArrayField(models.CharField(max_length=20, choices=BodyArea.choices))
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    conductive_gel = models.CharField(max_length=200, blank=True)
    preparations = models.CharField(max_length=300, blank=True)
    skin_response = models.TextField(blank=True)
    tone_clinician = _score_field(_("tone (clinician)"))
    puffiness_clinician = _score_field(_("puffiness (clinician)"))
    elasticity_clinician = _score_field(_("elasticity (clinician)"))
    tone_patient = _score_field(_("tone (patient)"))
    puffiness_patient = _score_field(_("puffiness (patient)"))
    elasticity_patient = _score_field(_("elasticity (patient)"))
    notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["appointment__start"]
        constraints = [
            # Seed 003: at 1500 µA and above nothing happens in the cells, or it slows down.
            models.CheckConstraint(
                name="session_record_current_below_hard_limit",
                condition=Q(current_ua__gt=0) & Q(current_ua__lt=MICROCURRENT_HARD_LIMIT_UA),
            ),
            models.CheckConstraint(
                name="session_record_justified_above_recommended",
                condition=Q(current_ua__lte=F("recommended_max_ua")) | ~Q(current_justification=""),
            ),
            models.CheckConstraint(
                name="session_record_signed_has_signature",
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False)),
            ),
            models.CheckConstraint(
                name="session_record_frequency_positive", condition=Q(frequency_hz__gt=0)
            ),
            *[_score(name) for name in SCORES],
        ]

    def __str__(self) -> str:
        return f"Session record of appointment {self.appointment_id}"

    @property
    def is_signed(self) -> bool:
        return self.status == RecordStatus.SIGNED


class SessionRecordAmendment(models.Model):
    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    changes = models.JSONField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} of session record {self.record_id}"


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
