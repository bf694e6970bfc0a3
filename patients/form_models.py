"""Forms the manager edits (SPEC S10): versioned, with typed questions, required flags and
simple conditions ("ask B only when A was answered X"). Answers keep the version they
answered, so a later edit never changes what a patient said."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Form(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)

    def __str__(self) -> str:
        return self.title


class DueBefore(models.TextChoices):
    """Which visits a version is asked before (sent with the confirmation, again 48 h
    before the visit while unanswered)."""

    NONE = "", _("No visit (answered when the patient wants)")
    TREATMENT = "treatment", _("Visits for one treatment")
    DEVICE = "device", _("Every device session")
    FIRST_VISIT = "first_visit", _("A patient's first visit")


class FormVersion(models.Model):
    """One version of a form. Published, it is frozen: a change is a new version."""

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_before = models.CharField(
        _("due before"), max_length=12, choices=DueBefore.choices, default="", blank=True
    )
    due_treatment = models.ForeignKey(
        "treatments.Treatment",
        verbose_name=_("treatment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Only when the form is due before visits for one treatment."),
    )

    class Meta:
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_once"),
            models.CheckConstraint(
                name="form_version_due_before_known",
                condition=Q(due_before__in=DueBefore.values),
            ),
            # A treatment exactly when the form is due before one treatment.
            models.CheckConstraint(
                name="form_version_due_treatment_matches",
                condition=Q(due_before="treatment", due_treatment__isnull=False)
                | (~Q(due_before="treatment") & Q(due_treatment__isnull=True)),
                violation_error_message=_(
                    "Choose a treatment exactly when the form is due before one treatment."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form} v{self.number}"


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    CHOICE = "choice", _("One of a list")
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("kind of answer", "Number")  # not an invoice number
    DATE = "date", _("Date")


class Question(models.Model):
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=50)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(default=True)
    choices = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    # Asked only when the earlier question `show_if_key` was answered `show_if_value`.
    show_if_key = models.SlugField(max_length=50, blank=True)
    show_if_value = models.CharField(max_length=100, blank=True)
    # A yes here is a declaration of this contraindication (the safety questionnaire).
    contraindication = models.ForeignKey(
        "treatments.Contraindication",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_key_once"),
            models.UniqueConstraint(fields=["version", "position"], name="question_position_once"),
            models.CheckConstraint(
                name="question_kind_known", condition=Q(kind__in=QuestionKind.values)
            ),
            models.CheckConstraint(
                name="question_contraindication_is_yes_no",
                condition=Q(contraindication__isnull=True) | Q(kind="yes_no"),
            ),
            models.CheckConstraint(
                name="question_condition_complete",
                condition=Q(show_if_key="", show_if_value="") | ~Q(show_if_key=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"


class FormResponse(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="form_responses"
    )
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="responses")
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} by patient {self.patient_id}"


class FormAnswer(models.Model):
    response = models.ForeignKey(FormResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="form_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value!r}"
