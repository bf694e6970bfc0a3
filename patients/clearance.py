"""The clinical gate: may this patient have this treatment on this date, and if not, why.

`evaluate` is a pure function over plain facts (so property-based tests can hammer it);
`clearance_for` loads those facts for a patient from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.models import (
    SCREENING_VALID_DAYS,
    Clearance,
    Consultation,
    ContraindicationReview,
    Patient,
    ReviewStatus,
    Screening,
    ScreeningAnswer,
    TreatmentPlan,
)
from treatments.models import Kind, Scope, Treatment


@dataclass(frozen=True)
class ContraFact:
    slug: str
    name: str
    scope: str
    kind: str

    @property
    def absolute(self) -> bool:
        return self.scope == Scope.SYSTEMIC and self.kind == Kind.PERMANENT


@dataclass(frozen=True)
class ReviewFact:
    contra: ContraFact
    status: str
    area: str = ""
    review_date: date | None = None


@dataclass(frozen=True)
class ConsultationFact:
    clearance: str
    signed_at: datetime
    excluded_areas: frozenset[str] = frozenset()
    reviews: tuple[ReviewFact, ...] = ()
    planned_areas: frozenset[str] = frozenset()  # the areas of the treatments it planned


@dataclass(frozen=True)
class ScreeningFact:
    answered_at: datetime  # or last re-confirmed
    declared: tuple[ContraFact, ...] = ()


@dataclass(frozen=True)
class TreatmentFact:
    is_consultation: bool
    requires_device: bool
    areas: frozenset[str]

    @classmethod
    def of(cls, treatment: Treatment) -> TreatmentFact:
        return cls(treatment.is_consultation, treatment.requires_device, treatment.treated_areas)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    absolute: bool = False  # an absolute contraindication: "please call the clinic"
    # Names a clinical finding (a declared answer, a dermatologist's finding): shown only to
    # the patient themself and to clinicians (patients.selectors.clearance_shown_to).
    finding: bool = False
    # Rules the treatment out (for its area, or at all) rather than wait for a review.
    rules_out: bool = False
    area: bool = False  # ... only for the treated area


class ClearanceState:
    """What the desk acts on, without the findings behind it."""

    CLEARED = "cleared"
    NEEDS_QUESTIONNAIRE = "needs_questionnaire"  # only the patient's answers are missing
    NEEDS_DERMATOLOGIST = "needs_dermatologist"  # a consultation or a review first
    NOT_CLEARED = "not_cleared"  # ruled out (for this area, or at all)


_QUESTIONNAIRE = frozenset({"screening_missing", "screening_expired"})


@dataclass(frozen=True)
class ClearanceResult:
    allowed: bool
    reasons: tuple[Reason, ...] = field(default=())
    # Set on a result without findings: the state and offer of the full one.
    kept_state: str = ""
    kept_offer: str = ""

    @property
    def absolute(self) -> bool:
        return any(r.absolute for r in self.reasons)

    @property
    def has_findings(self) -> bool:
        return any(r.finding for r in self.reasons)

    @property
    def state(self) -> str:
        if self.kept_state:
            return self.kept_state
        if self.allowed:
            return ClearanceState.CLEARED
        if any(r.rules_out for r in self.reasons):
            return ClearanceState.NOT_CLEARED
        if set(self.codes) <= _QUESTIONNAIRE:
            return ClearanceState.NEEDS_QUESTIONNAIRE
        return ClearanceState.NEEDS_DERMATOLOGIST

    @property
    def offer(self) -> str:
        """What the desk can offer the patient instead, in a sentence."""
        if self.kept_offer:
            return self.kept_offer
        state = self.state
        if state == ClearanceState.NEEDS_QUESTIONNAIRE:
            return _("Ask the patient to answer the safety questionnaire.")
        if state == ClearanceState.NEEDS_DERMATOLOGIST:
            return _("Book a consultation with a dermatologist first.")
        if state == ClearanceState.NOT_CLEARED:
            if self.absolute:
                return _("Not possible: the patient can ask the dermatologist about alternatives.")
            if all(r.area for r in self.reasons if r.rules_out):
                return _("Offer a treatment of another area.")
            return _("Offer a consultation to discuss other options.")
        return ""

    def without_findings(self) -> ClearanceResult:
        """The same decision, state and offer, with the reasons that name a finding
        replaced by one that does not (what reception and the manager see)."""
        if not self.has_findings:
            return self
        kept = tuple(r for r in self.reasons if not r.finding)
        if self.state == ClearanceState.NOT_CLEARED:
            generic = Reason(
                "ruled_out",
                _("A dermatologist's finding rules out this treatment."),
                absolute=self.absolute,
                rules_out=True,
            )
        else:
            generic = Reason(
                "dermatologist_review",
                _("A dermatologist must review the record first."),
                absolute=self.absolute,
            )
        return ClearanceResult(self.allowed, (*kept, generic), self.state, self.offer)

    @property
    def message(self) -> str:
        return " ".join(r.message for r in self.reasons)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def _affects(review_area: str, scope: str, areas: frozenset[str]) -> bool:
    # A local finding with no area recorded is treated as affecting every area.
    return scope == Scope.SYSTEMIC or not review_area or review_area in areas


def _review_reasons(review: ReviewFact, t: TreatmentFact, on: date) -> list[Reason]:
    c = review.contra
    if not _affects(review.area, c.scope, t.areas):
        return []
    reasons = []
    if review.status == ReviewStatus.PRESENT:
        where = "" if c.scope == Scope.SYSTEMIC else _(" in the treated area")
        reasons.append(
            Reason(
                "contraindication_present",
                _("%(name)s%(where)s rules out this treatment.")
                % {"name": _(c.name), "where": where},
                absolute=c.absolute,
                finding=True,
                rules_out=c.kind == Kind.PERMANENT,
                area=c.scope != Scope.SYSTEMIC,
            )
        )
    if c.kind == Kind.TEMPORARY and review.review_date and review.review_date < on:
        reasons.append(
            Reason(
                "review_due",
                _("%(name)s was due for review by %(date)s: a dermatologist must re-check it.")
                % {"name": _(c.name), "date": review.review_date.isoformat()},
                finding=True,
            )
        )
    return reasons


def _screening_reasons(
    s: ScreeningFact | None, c: ConsultationFact | None, now: datetime
) -> list[Reason]:
    if s is None:
        return [Reason("screening_missing", _("Please answer the safety questionnaire."))]
    reasons = []
    if now - s.answered_at >= timedelta(days=SCREENING_VALID_DAYS):
        reasons.append(
            Reason(
                "screening_expired",
                _("Your safety questionnaire is older than %(days)s days: please answer it again.")
                % {"days": SCREENING_VALID_DAYS},
            )
        )
    # A "yes" given after the dermatologist's review has not been reviewed yet.
    if c is None or s.answered_at > c.signed_at:
        for contra in s.declared:
            reasons.append(
                Reason(
                    "declared_contraindication",
                    _("You told us about: %(name)s. A dermatologist must review it first.")
                    % {"name": _(contra.name)},
                    absolute=contra.absolute,
                    finding=True,
                )
            )
    return reasons


def evaluate(
    t: TreatmentFact,
    consultation: ConsultationFact | None,
    screening: ScreeningFact | None,
    *,
    on: date,
    now: datetime,
) -> ClearanceResult:
    """Apply the clinical rules (SPEC S2, S3, S4) to plain facts."""
    if t.is_consultation:
        return ClearanceResult(True)
    reasons: list[Reason] = []
    if t.requires_device:
        reasons += _screening_reasons(screening, consultation, now)
    if consultation is None:
        reasons.append(
            Reason(
                "consultation_required",
                _("A consultation with a dermatologist is needed before this treatment."),
            )
        )
        return ClearanceResult(False, tuple(reasons))
    if consultation.clearance == Clearance.NOT_CLEARED:
        reasons.append(
            Reason(
                "not_cleared",
                _("The dermatologist did not clear you for treatment."),
                rules_out=True,
            )
        )
    elif consultation.clearance == Clearance.CLEARED_WITH_RESTRICTIONS and (
        consultation.excluded_areas & t.areas
    ):
        reasons.append(
            Reason(
                "area_excluded",
                _("The dermatologist excluded this body area from treatment."),
                rules_out=True,
                area=True,
            )
        )
    elif not t.areas <= consultation.planned_areas:
        # A consultation clears what it planned: another treatment area needs the
        # dermatologist first (a face plan never clears the body).
        reasons.append(
            Reason(
                "not_planned",
                _("Your treatment plan does not include this treatment: book a consultation."),
            )
        )
    if t.requires_device:
        for review in consultation.reviews:
            reasons += _review_reasons(review, t, on)
    return ClearanceResult(not reasons, tuple(reasons))


# --- Loading facts from the database ------------------------------------------------------


def _contra(c) -> ContraFact:
    return ContraFact(c.slug, c.name, c.scope, c.kind)


def consultation_fact(patient: Patient, on: date) -> ConsultationFact | None:
    consultation = (
        Consultation.objects.filter(patient=patient, status="signed", performed_on__lte=on)
        .order_by("-signed_at", "-id")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=ContraindicationReview.objects.select_related("contraindication"),
            ),
            Prefetch("plans", queryset=TreatmentPlan.objects.select_related("treatment")),
        )
        .first()
    )
    if consultation is None:
        return None
    return ConsultationFact(
        clearance=consultation.clearance,
        signed_at=consultation.signed_at,
        excluded_areas=frozenset(consultation.excluded_areas),
        reviews=tuple(
            ReviewFact(_contra(r.contraindication), r.status, r.area, r.review_date)
            for r in consultation.reviews.all()
        ),
        planned_areas=frozenset().union(
            *(p.treatment.treated_areas for p in consultation.plans.all())
        ),
    )


def screening_fact(patient: Patient) -> ScreeningFact | None:
    screening = (
        Screening.objects.filter(patient=patient)
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=ScreeningAnswer.objects.filter(answer=True).select_related(
                    "contraindication"
                ),
            )
        )
        .first()
    )
    if screening is None:
        return None
    return ScreeningFact(
        answered_at=screening.last_confirmed,
        declared=tuple(_contra(a.contraindication) for a in screening.answers.all()),
    )


def clearance_for(
    patient: Patient, treatment: Treatment, on: date | None = None
) -> ClearanceResult:
    """May `patient` have `treatment` on `on` (default today)? Allowed or not, and why."""
    on = on or timezone.localdate()
    return clearance_map(patient, [treatment], on=on)[treatment.pk]


def clearance_map(
    patient: Patient, treatments: Iterable[Treatment], on: date | None = None
) -> dict[int, ClearanceResult]:
    """Clearance for several treatments, loading the patient's facts once."""
    on = on or timezone.localdate()
    treatments = list(treatments)
    needs_facts = any(not t.is_consultation for t in treatments)
    consultation = consultation_fact(patient, on) if needs_facts else None
    screening = screening_fact(patient) if needs_facts else None
    now = timezone.now()
    return {
        t.pk: evaluate(TreatmentFact.of(t), consultation, screening, on=on, now=now)
        for t in treatments
    }
