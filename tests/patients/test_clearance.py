"""The clinical gate clearance_for: scenarios from the issue, then properties (hypothesis)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.clearance import (
    ConsultationFact,
    ContraFact,
    ReviewFact,
    ScreeningFact,
    TreatmentFact,
    clearance_for,
    evaluate,
)
from tests.factories import consult, patient, screen, treatment

FACE, BODY, MASSAGE_FACE = (
    "microcurrent-therapy-face",
    "microcurrent-therapy-body",
    "microcurrent-massage-face",
)
DEVICE_TREATMENTS = [FACE, BODY, MASSAGE_FACE, "microcurrent-massage-body"]
FACE_AND_BODY = {FACE: 8, BODY: 8}  # a consultation clears only the areas it plans


@pytest.mark.django_db
class TestScenarios:
    def test_a_cleared_patient_with_a_fresh_screening_may_have_face_treatment(self):
        p = patient()
        screen(p)
        consult(p)
        result = clearance_for(p, treatment(FACE))
        assert result.allowed, result.reasons

    def test_anyone_may_book_the_consultation(self):
        assert clearance_for(patient(), treatment("initial-consultation")).allowed

    def test_no_consultation_means_no_treatment_and_says_why(self):
        p = patient()
        screen(p)
        result = clearance_for(p, treatment(FACE))
        assert not result.allowed
        assert "consultation_required" in result.codes
        assert "consultation" in result.message

    def test_a_patient_with_a_pacemaker_is_not_cleared_for_any_microcurrent_treatment(self):
        p = patient()
        screen(p)
        consult(p, clearance="not_cleared", present={"pacemaker": {"status": "present"}})
        for slug in DEVICE_TREATMENTS:
            result = clearance_for(p, treatment(slug))
            assert not result.allowed, slug
            assert result.absolute, slug
            assert "contraindication_present" in result.codes

    def test_a_declared_pacemaker_blocks_every_microcurrent_treatment_even_before_review(self):
        p = patient()
        consult(p)  # cleared earlier ...
        screen(p, yes={"pacemaker"})  # ... then the patient declares a pacemaker
        for slug in DEVICE_TREATMENTS:
            result = clearance_for(p, treatment(slug))
            assert not result.allowed
            assert "declared_contraindication" in result.codes
            assert result.absolute

    def test_gold_threads_in_the_face_block_face_treatments_but_not_body_ones(self):
        p = patient()
        screen(p)
        consult(
            p,
            clearance="cleared_with_restrictions",
            excluded_areas=["face"],
            present={"gold-threads": {"status": "present", "area": "face"}},
            plans=FACE_AND_BODY,
        )
        assert not clearance_for(p, treatment(FACE)).allowed
        assert not clearance_for(p, treatment(MASSAGE_FACE)).allowed
        assert clearance_for(p, treatment(BODY)).allowed

    def test_gold_threads_around_the_eyes_block_face_treatment_too(self):
        p = patient()
        screen(p)
        consult(
            p,
            clearance="cleared_with_restrictions",
            excluded_areas=["eye_area"],
            present={"gold-threads": {"status": "present", "area": "eye_area"}},
            plans=FACE_AND_BODY,
        )
        assert not clearance_for(p, treatment(FACE)).allowed
        assert clearance_for(p, treatment(BODY)).allowed

    def test_a_temporary_contraindication_past_its_review_date_needs_a_new_review(self):
        p = patient()
        screen(p)
        review_on = timezone.localdate() + timedelta(days=10)
        consult(
            p,
            present={
                "inflammatory-elements": {
                    "status": "resolved",
                    "area": "face",
                    "review_date": review_on,
                }
            },
            plans=FACE_AND_BODY,
        )
        assert clearance_for(p, treatment(FACE), on=review_on).allowed
        late = clearance_for(p, treatment(FACE), on=review_on + timedelta(days=1))
        assert not late.allowed
        assert late.codes == ["review_due"]
        # Local: the overdue face review does not hold back a body treatment.
        assert clearance_for(p, treatment(BODY), on=review_on + timedelta(days=1)).allowed

    def test_an_expired_screening_must_be_answered_again(self):
        p = patient()
        screen(p)
        consult(p)  # signed while the answers were current; a month passes
        p.screenings.update(answered_at=timezone.now() - timedelta(days=31))
        result = clearance_for(p, treatment(FACE))
        assert not result.allowed
        assert "screening_expired" in result.codes

    def test_a_face_plan_clears_the_face_never_the_body(self):
        """Issue 16: patient1's plan was microcurrent face only, yet body therapy and body
        massage were shown as "Cleared" and booked online."""
        p = patient()
        screen(p)
        consult(p, plans={FACE: 8})
        assert clearance_for(p, treatment(FACE)).allowed
        assert clearance_for(p, treatment(MASSAGE_FACE)).allowed  # the same area
        for slug in (BODY, "microcurrent-massage-body"):
            result = clearance_for(p, treatment(slug))
            assert result.codes == ["not_planned"] and result.state == "needs_dermatologist"

    def test_signing_cleared_needs_a_plan(self):
        from clinic.errors import Invalid

        with pytest.raises(Invalid) as refused:
            consult(patient(), plans={})
        assert "plans" in refused.value.fields
        consult(patient(), plans={}, clearance="not_cleared")  # nothing cleared: no plan needed

    def test_a_draft_consultation_clears_nobody(self):
        p = patient()
        screen(p)
        consult(p, sign=False)
        assert "consultation_required" in clearance_for(p, treatment(FACE)).codes


# --- Properties --------------------------------------------------------------------------

AREAS = ["face", "eye_area", "neck_decollete", "body"]
ON = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)
contras = st.builds(
    ContraFact,
    slug=st.sampled_from(["a", "b", "c", "d"]),
    name=st.just("X"),
    scope=st.sampled_from(["systemic", "local"]),
    kind=st.sampled_from(["permanent", "temporary"]),
)
reviews = st.builds(
    ReviewFact,
    contra=contras,
    status=st.sampled_from(["absent", "present", "resolved"]),
    area=st.sampled_from(["", *AREAS]),
    review_date=st.one_of(st.none(), st.dates(ON - timedelta(days=30), ON + timedelta(days=30))),
)
consultations = st.builds(
    ConsultationFact,
    clearance=st.sampled_from(["cleared", "cleared_with_restrictions", "not_cleared"]),
    signed_at=st.just(NOW - timedelta(days=5)),
    excluded_areas=st.frozensets(st.sampled_from(AREAS), max_size=2),
    reviews=st.lists(reviews, max_size=5).map(tuple),
    planned_areas=st.frozensets(st.sampled_from(AREAS), max_size=4),
)
screenings = st.builds(
    ScreeningFact,
    answered_at=st.sampled_from(
        [NOW - timedelta(days=40), NOW - timedelta(days=10), NOW - timedelta(days=1)]
    ),
    declared=st.lists(contras, max_size=2).map(tuple),
)
treatments = st.builds(
    TreatmentFact,
    is_consultation=st.booleans(),
    requires_device=st.booleans(),
    areas=st.sampled_from(
        [frozenset({"face", "eye_area"}), frozenset({"body"}), frozenset({"neck_decollete"})]
    ),
)


def _affects(r: ReviewFact, t: TreatmentFact) -> bool:
    return r.contra.scope == "systemic" or not r.area or r.area in t.areas


@settings(max_examples=400, deadline=None)
@given(t=treatments, c=st.one_of(st.none(), consultations), s=st.one_of(st.none(), screenings))
def test_allowed_exactly_when_no_rule_blocks(t, c, s):
    result = evaluate(t, c, s, on=ON, now=NOW)
    assert result.allowed == (not result.reasons)
    if t.is_consultation:
        assert result.allowed
        return
    if c is None or c.clearance == "not_cleared":
        assert not result.allowed
    if result.allowed:
        assert c is not None
        assert t.areas <= c.planned_areas  # a consultation clears only what it planned
        if c.clearance == "cleared_with_restrictions":
            assert not (c.excluded_areas & t.areas)
        if t.requires_device:
            assert s is not None and NOW - s.answered_at < timedelta(days=30)
            for r in c.reviews:
                if _affects(r, t):
                    assert r.status != "present"
                    if r.contra.kind == "temporary" and r.review_date:
                        assert r.review_date >= ON


@settings(max_examples=300, deadline=None)
@given(t=treatments, c=consultations, s=screenings, extra=reviews)
def test_a_present_finding_never_makes_a_patient_more_cleared(t, c, s, extra):
    before = evaluate(t, c, s, on=ON, now=NOW)
    worse = ConsultationFact(
        c.clearance,
        c.signed_at,
        c.excluded_areas,
        (*c.reviews, ReviewFact(extra.contra, "present", extra.area, extra.review_date)),
        c.planned_areas,
    )
    after = evaluate(t, worse, s, on=ON, now=NOW)
    assert not (after.allowed and not before.allowed)


@settings(max_examples=300, deadline=None)
@given(t=treatments, c=consultations, s=screenings, contra=contras, area=st.sampled_from(AREAS))
def test_a_local_finding_elsewhere_changes_nothing(t, c, s, contra, area):
    if area in t.areas:
        return
    local = ContraFact(contra.slug, contra.name, "local", contra.kind)
    with_finding = ConsultationFact(
        c.clearance,
        c.signed_at,
        c.excluded_areas,
        (*c.reviews, ReviewFact(local, "present", area, ON - timedelta(days=3))),
        c.planned_areas,
    )
    assert evaluate(t, with_finding, s, on=ON, now=NOW) == evaluate(t, c, s, on=ON, now=NOW)


@settings(max_examples=200, deadline=None)
@given(t=treatments, c=consultations, s=screenings, contra=contras)
def test_a_systemic_finding_blocks_every_device_treatment(t, c, s, contra):
    if t.is_consultation or not t.requires_device:
        return
    systemic = ContraFact(contra.slug, contra.name, "systemic", contra.kind)
    c2 = ConsultationFact(
        c.clearance,
        c.signed_at,
        c.excluded_areas,
        (*c.reviews, ReviewFact(systemic, "present")),
        c.planned_areas,
    )
    result = evaluate(t, c2, s, on=ON, now=NOW)
    assert not result.allowed
    assert result.absolute == any(r.absolute for r in result.reasons)
    if contra.kind == "permanent":
        assert result.absolute


named = st.builds(
    ContraFact,
    slug=st.sampled_from(["a", "b"]),
    name=st.just("Quokkitis"),  # a finding's name, to look for in what the desk sees
    scope=st.sampled_from(["systemic", "local"]),
    kind=st.sampled_from(["permanent", "temporary"]),
)


@settings(max_examples=300, deadline=None)
@given(
    t=treatments,
    c=st.one_of(st.none(), consultations),
    s=st.one_of(st.none(), screenings),
    declared=st.lists(named, max_size=2),
    found=st.lists(st.tuples(named, st.sampled_from(["present", "absent"])), max_size=2),
)
def test_the_desk_sees_the_same_decision_without_any_finding(t, c, s, declared, found):
    """Reception's view (without_findings) keeps the decision, the state and the offer, and
    names no finding: no declared answer, no dermatologist's finding."""
    if s is not None:
        s = ScreeningFact(s.answered_at, (*s.declared, *declared))
    if c is not None:
        extra = tuple(ReviewFact(contra, status) for contra, status in found)
        c = ConsultationFact(
            c.clearance, c.signed_at, c.excluded_areas, (*c.reviews, *extra), c.planned_areas
        )
    full = evaluate(t, c, s, on=ON, now=NOW)
    desk = full.without_findings()
    assert (desk.allowed, desk.absolute, desk.state, desk.offer) == (
        full.allowed,
        full.absolute,
        full.state,
        full.offer,
    )
    assert not desk.has_findings
    assert all("Quokkitis" not in r.message for r in desk.reasons)
    assert bool(desk.reasons) == bool(full.reasons)
    assert (desk.state == "cleared") == full.allowed
