"""Session records: the device parameters, response and outcome of one treatment session,
signed and amended like a consultation. Written by chart.services only; the models stay in
this app so that the audit trail keeps naming them "appointments.sessionrecord"."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from treatments.models import MICROCURRENT_HARD_LIMIT_UA, BodyArea


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
