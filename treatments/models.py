"""The treatment catalog: treatments, their indications, and contraindications.

Everything here comes from the two seed texts (treatments/seeds/, copies of
../shared/seeds/): course lengths, indications, contraindications, current limits.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from treatments.deposits import deposit_rule_problems

# Seed 003: above 1500 uA "nothing happens in the cells or the processes can even slow
# down", so 1500 uA and more is outside microcurrent therapy altogether.
MICROCURRENT_HARD_LIMIT_UA = 1500
# Seed 003: "up to 600 uA" speeds up metabolic processes: the default recommended maximum.
DEFAULT_RECOMMENDED_MAX_UA = 600


class BodyArea(models.TextChoices):
    FACE = "face", _("Face")
    EYE_AREA = "eye_area", _("Eye area")
    NECK = "neck_decollete", _("Neck and décolleté")
    BODY = "body", _("Body")


# A treatment of an area also treats the areas inside it: a face session covers the
# skin around the eyes, so gold threads in the eye area matter for a face treatment.
AREA_INCLUDES: dict[str, frozenset[str]] = {
    BodyArea.FACE: frozenset({BodyArea.FACE, BodyArea.EYE_AREA}),
    BodyArea.EYE_AREA: frozenset({BodyArea.EYE_AREA}),
    BodyArea.NECK: frozenset({BodyArea.NECK}),
    BodyArea.BODY: frozenset({BodyArea.BODY}),
}


class DepositKind(models.TextChoices):
    NONE = "none", _("No deposit")
    AMOUNT = "amount", _("A fixed amount")
    PERCENT = "percent", _("A percentage of the price")


class Treatment(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(unique=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_consultation = models.BooleanField(
        _("is a consultation"), default=False, help_text=_("Required before any course.")
    )
    body_area = models.CharField(
        _("body area"), max_length=20, choices=BodyArea.choices, blank=True
    )
    session_minutes = models.PositiveSmallIntegerField(
        _("session length (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    requires_device = models.BooleanField(_("needs a microcurrent device"), default=True)
    course_sessions_min = models.PositiveSmallIntegerField(null=True, blank=True)
    course_sessions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    course_sessions_default = models.PositiveSmallIntegerField(null=True, blank=True)
    min_sessions_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    min_days_between_sessions = models.PositiveSmallIntegerField(default=0)
    recommended_max_current_ua = models.PositiveIntegerField(
        default=DEFAULT_RECOMMENDED_MAX_UA,
        validators=[MinValueValidator(1), MaxValueValidator(MICROCURRENT_HARD_LIMIT_UA - 1)],
        help_text=_("Above this a session needs a written justification."),
    )
    min_frequency_hz = models.DecimalField(
        max_digits=7, decimal_places=2, default=0.5, help_text=_("Lowest device frequency.")
    )
    max_frequency_hz = models.DecimalField(
        max_digits=7, decimal_places=2, default=1000, help_text=_("Highest device frequency.")
    )
    # Neither seed text says when a maintenance session is due, so no treatment has one
    # until the manager sets it in the admin: then finished courses get one recall.
    recall_after_days = models.PositiveSmallIntegerField(
        _("recall after (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "Days after a course ends when the patient is invited to a maintenance "
            "session (for example 90). Empty: no recall."
        ),
    )
    # Online bookings by patients wait for this deposit before they are booked (billing
    # takes it; staff bookings at the desk never wait). The checks below keep the values
    # consistent with the kind, whoever writes them.
    deposit_kind = models.CharField(
        _("deposit"), max_length=8, choices=DepositKind.choices, default=DepositKind.NONE
    )
    deposit_amount = models.DecimalField(
        _("deposit amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    deposit_percent = models.PositiveSmallIntegerField(
        _("deposit (percentage of the price)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    deposit_first_visit_only = models.BooleanField(
        _("only on a patient's first visit"),
        default=False,
        help_text=_("Ask the deposit only of patients who have not been to the clinic yet."),
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    indications = models.ManyToManyField("Indication", related_name="treatments", blank=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                name="treatment_course_min_le_max",
                condition=Q(course_sessions_min__isnull=True)
                | Q(course_sessions_max__isnull=True)
                | Q(course_sessions_min__lte=F("course_sessions_max")),
            ),
            models.CheckConstraint(
                name="treatment_current_below_hard_limit",
                condition=Q(recommended_max_current_ua__lt=MICROCURRENT_HARD_LIMIT_UA),
            ),
            models.CheckConstraint(name="treatment_price_not_negative", condition=Q(price__gte=0)),
            models.CheckConstraint(
                name="treatment_frequency_range",
                condition=Q(min_frequency_hz__gt=0)
                & Q(min_frequency_hz__lte=F("max_frequency_hz")),
            ),
            models.CheckConstraint(
                name="treatment_recall_interval_range",
                condition=Q(recall_after_days__isnull=True)
                | Q(recall_after_days__gte=1, recall_after_days__lte=3650),
            ),
            models.CheckConstraint(
                name="treatment_deposit_matches_kind",
                condition=Q(
                    deposit_kind="none", deposit_amount__isnull=True, deposit_percent__isnull=True
                )
                | Q(deposit_kind="amount", deposit_amount__gt=0, deposit_percent__isnull=True)
                | Q(
                    deposit_kind="percent",
                    deposit_percent__gte=1,
                    deposit_percent__lte=100,
                    deposit_amount__isnull=True,
                ),
            ),
            models.CheckConstraint(
                name="treatment_device_has_area",
                condition=Q(requires_device=False) | ~Q(body_area=""),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("treatments:detail", kwargs={"slug": self.slug})

    @property
    def treated_areas(self) -> frozenset[str]:
        return AREA_INCLUDES.get(self.body_area, frozenset())

    def clean(self) -> None:
        """The admin's check of the deposit rule (the database holds the same)."""
        problems = deposit_rule_problems(
            self.deposit_kind, self.deposit_amount, self.deposit_percent
        )
        if problems:
            raise ValidationError(problems)

    @property
    def deposit(self) -> Decimal:
        """The deposit an online booking asks (0: none): never more than the price."""
        if self.deposit_kind == DepositKind.AMOUNT and self.deposit_amount:
            wanted = self.deposit_amount
        elif self.deposit_kind == DepositKind.PERCENT and self.deposit_percent:
            wanted = Decimal(self.price) * self.deposit_percent / 100
        else:
            return Decimal("0.00")
        return min(wanted, Decimal(self.price)).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def course_label(self) -> str:
        lo, hi = self.course_sessions_min, self.course_sessions_max
        if lo is None:
            return ""
        return f"{lo}" if lo == hi or hi is None else f"{lo}–{hi}"


class Source(models.TextChoices):
    SEED_000 = "000", _("Microcurrent therapy (MED CITY)")
    SEED_003 = "003", _("Microcurrent massage")


class Indication(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    source_text = models.CharField(
        max_length=300, help_text=_("The seed text's own wording of this indication.")
    )
    source = models.CharField(max_length=3, choices=Source.choices)

    class Meta:
        ordering = ["source", "id"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    SYSTEMIC = "systemic", _("Systemic: blocks every microcurrent treatment")
    LOCAL = "local", _("Local: blocks treatments of the affected area")


class Kind(models.TextChoices):
    PERMANENT = "permanent", _("Permanent")
    TEMPORARY = "temporary", _("Temporary: re-screen after the review date")


class Contraindication(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    plain_description = models.CharField(
        _("in plain words"), max_length=300, help_text=_("Shown to patients.")
    )
    source_text = models.CharField(max_length=300)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    screening_question = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        return self.scope == Scope.LOCAL

    @property
    def is_absolute(self) -> bool:
        """Systemic and permanent: no microcurrent treatment, ever."""
        return self.scope == Scope.SYSTEMIC and self.kind == Kind.PERMANENT
