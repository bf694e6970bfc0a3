"""Patients and their clinical record: screening, consultations, consent."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from treatments.models import BodyArea

SCREENING_VALID_DAYS = 30


class Language(models.TextChoices):
    EN = "en", "English"
    UK = "uk", "Українська"


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    email = models.EmailField(_("email"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=Language.choices, default=Language.EN
    )
    remind_by_email = models.BooleanField(_("reminders by email"), default=True)
    remind_by_sms = models.BooleanField(_("reminders by SMS"), default=False)
    reminder_consent_at = models.DateTimeField(null=True, blank=True)
    # What the patient wants besides what a booking must tell (its confirmation, a move,
    # a cancellation): reminders before each session, and advice and suggestions (home
    # care after a session, the next session of a course). The one-click unsubscribe link
    # of such a message switches its kind off here.
    remind_before_session = models.BooleanField(_("reminders before each session"), default=True)
    optional_messages = models.BooleanField(_("advice and suggestions"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="patient_name_idx"),
        ]
        constraints = [
            # Duplicates are refused by the database too, whatever the code path.
            models.UniqueConstraint(
                Lower("email"),
                name="patient_unique_email",
                condition=~Q(email="") & Q(merged_into__isnull=True),
            ),
            models.UniqueConstraint(
                "phone",
                name="patient_unique_phone",
                condition=~Q(phone="") & Q(merged_into__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def patient_id(self) -> int | None:
        """The patient this record belongs to, as every other patient record says it: itself
        (clinic.roles decides ownership by `patient_id`)."""
        return self.pk

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Screening(models.Model):
    """The patient's own yes/no answers to every contraindication question."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    answered_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Last re-confirmed unchanged (at check-in).")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "-answered_at"])]

    def __str__(self) -> str:
        return f"Screening of {self.patient_id} on {self.answered_at:%Y-%m-%d}"

    @property
    def last_confirmed(self):
        return max(self.answered_at, self.confirmed_at or self.answered_at)

    def valid_on(self, moment) -> bool:
        return (
            self.last_confirmed
            <= moment
            < self.last_confirmed + timedelta(days=SCREENING_VALID_DAYS)
        )


class ScreeningAnswer(models.Model):
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="answers")
    contraindication = models.ForeignKey(
        "treatments.Contraindication", on_delete=models.PROTECT, related_name="+"
    )
    answer = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "contraindication"], name="screening_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contraindication_id}: {'yes' if self.answer else 'no'}"


class SkinType(models.TextChoices):
    NORMAL = "normal", _("Normal")
    DRY = "dry", _("Dry")
    OILY = "oily", _("Oily")
    COMBINATION = "combination", _("Combination")
    SENSITIVE = "sensitive", _("Sensitive")


class Clearance(models.TextChoices):
    CLEARED = "cleared", _("Cleared")
    CLEARED_WITH_RESTRICTIONS = "cleared_with_restrictions", _("Cleared with restrictions")
    NOT_CLEARED = "not_cleared", _("Not cleared")


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Consultation(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consultations")
    dermatologist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_on = models.DateField(default=timezone.localdate)
    anamnesis = models.TextField(blank=True)
    skin_type = models.CharField(max_length=20, choices=SkinType.choices, blank=True)
    fitzpatrick_type = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    skin_concerns = models.TextField(blank=True)
    indications = models.ManyToManyField("treatments.Indication", blank=True, related_name="+")
    clearance = models.CharField(max_length=30, choices=Clearance.choices, blank=True)
    excluded_areas = ArrayField(
        models.CharField(max_length=20, choices=BodyArea.choices), default=list, blank=True
    )
    clearance_notes = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ConsultationStatus.choices, default=ConsultationStatus.DRAFT
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(m2m_fields=[indications])

    class Meta:
        ordering = ["-performed_on", "-id"]
        indexes = [models.Index(fields=["patient", "status", "-performed_on"])]
        constraints = [
            models.CheckConstraint(
                name="consultation_signed_has_signature_and_decision",
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False) & ~Q(clearance="")),
            ),
            models.CheckConstraint(
                name="consultation_fitzpatrick_1_to_6",
                condition=Q(fitzpatrick_type__isnull=True) | Q(fitzpatrick_type__range=(1, 6)),
            ),
        ]

    def __str__(self) -> str:
        return f"Consultation {self.pk} of patient {self.patient_id} ({self.performed_on})"

    @property
    def is_signed(self) -> bool:
        return self.status == ConsultationStatus.SIGNED

    @property
    def excluded_area_labels(self) -> list[str]:
        """The excluded areas as people read them ("Обличчя", not "face")."""
        return [str(BodyArea(area).label) for area in self.excluded_areas]


class ReviewStatus(models.TextChoices):
    ABSENT = "absent", _("Absent")
    PRESENT = "present", _("Present")
    RESOLVED = "resolved", _("Resolved")


class ContraindicationReview(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="reviews")
    contraindication = models.ForeignKey(
        "treatments.Contraindication", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=ReviewStatus.choices)
    area = models.CharField(max_length=20, choices=BodyArea.choices, blank=True)
    review_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "contraindication"], name="review_once_per_consultation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contraindication_id}: {self.status}"


class TreatmentPlan(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="plans")
    treatment = models.ForeignKey(
        "treatments.Treatment", on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveSmallIntegerField()
    sessions_per_week = models.PositiveSmallIntegerField()
    program = models.CharField(max_length=200, blank=True)
    home_care = models.TextField(blank=True)
    preparations = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="plan_positive_counts",
                condition=Q(sessions__gt=0) & Q(sessions_per_week__gt=0),
            )
        ]

    def __str__(self) -> str:
        return f"{self.sessions} x {self.treatment_id}"


class Amendment(models.Model):
    """A correction to a signed consultation: who, when, why, what changed."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="amendments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    changes = models.JSONField(help_text=_("{field: {'from': old, 'to': new}}"))

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} of consultation {self.consultation_id}"


class ConsentText(models.Model):
    version = models.PositiveIntegerField(unique=True)
    body = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Consent v{self.version}"


class ConsentAcceptance(models.Model):
    """The patient's consent to one version of the text. Signed on screen, it is frozen
    as a PDF in the private storage (pdf_name) with its SHA-256; older rows, and those
    recorded at check-in, have no PDF."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    consent = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_name = models.CharField(max_length=201, blank=True)
    pdf_name = models.CharField(max_length=255, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "consent"], name="consent_accepted_once"),
            models.CheckConstraint(
                name="consent_pdf_has_its_digest",
                condition=Q(pdf_name="", pdf_sha256="")
                | (~Q(pdf_name="") & Q(pdf_sha256__regex=r"^[0-9a-f]{64}$")),
            ),
        ]

    def __str__(self) -> str:
        return f"Patient {self.patient_id} accepted consent {self.consent_id}"


class ErasureRecord(models.Model):
    """A patient's erasure: what was removed, and why the clinical record is kept."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="erasures")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)
    removed = models.JSONField(help_text=_("What was removed: login, contact data, consents."))
    retention_reason = models.TextField(
        help_text=_("Why the clinical record is kept (the legal retention duty).")
    )

    def __str__(self) -> str:
        return f"Erasure of patient {self.patient_id} on {self.erased_at:%Y-%m-%d}"


# Photos and photo consent live in their own module; imported here so Django finds them.
from patients.form_models import (  # noqa: E402, F401
    DueBefore,
    Form,
    FormAnswer,
    FormResponse,
    FormVersion,
    Question,
    QuestionKind,
)
from patients.photo_models import (  # noqa: E402, F401
    NON_CLINICAL,
    Photo,
    PhotoConsent,
    PhotoPurpose,
    Pose,
)
