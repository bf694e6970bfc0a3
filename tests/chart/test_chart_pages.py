"""The dermatologist's pages: who may open them, the audit of every record shown, the
consultation form with the review of every contraindication, session records within the
current limits, signing and amending."""

from __future__ import annotations

import pytest

from appointments.models import SessionRecord, Status
from appointments.services import appointment_check_in
from chart.services import session_record_create
from clinic.audit import Actor
from clinic.models import AuditEvent
from clinic.roles import Role
from patients.clearance import clearance_for
from patients.models import Consultation
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, booked_earlier_today, cleared_patient, client_for
from tests.factories import all_contraindications, patient, screen, staff, treatment
from treatments.models import Contraindication, Treatment

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def visit(clinic):
    """A checked-in face session today, with the first practitioner."""
    a = booked_earlier_today(
        cleared_patient(), clinic.face, practitioner_id=clinic.practitioners[0].pk
    )
    appointment_check_in(
        actor=Actor(user=staff(Role.RECEPTION)), appointment=a, screening_confirmed=True
    )
    return a


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.PATIENT, 403), (Role.RECEPTION, 403), (Role.MANAGER, 403)],
)
def test_only_dermatologists_open_the_chart_pages(clinic, visit, role, expected):
    c = visit.patient.consultations.get()
    record = session_record_create(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        appointment=visit,
        current_ua=400,
        frequency_hz="10",
        waveform="sine",
        areas=["face"],
        duration_minutes=40,
    )
    client = client_for(role)
    for url in (
        "/chart/",
        "/chart/patients/",
        f"/chart/patients/{visit.patient_id}/",
        f"/chart/patients/{visit.patient_id}/consultations/new/",
        f"/chart/consultations/{c.pk}/",
        f"/chart/consultations/{c.pk}/amend/",
        f"/chart/appointments/{visit.pk}/record/",
        f"/chart/records/{record.pk}/",
        f"/chart/records/{record.pk}/edit/",
    ):
        assert client.get(url).status_code == expected, url
    assert not AuditEvent.objects.filter(action="read").exists()


def test_the_chart_shows_the_record_and_audits_every_record_shown(clinic, visit, derm):
    p = visit.patient
    session_record_create(
        actor=Actor(user=derm.user),
        appointment=visit,
        current_ua=450,
        frequency_hz="10",
        waveform="sine",
        areas=["face"],
        duration_minutes=40,
        tone_clinician=6,
    )
    page = derm.get(f"/chart/patients/{p.pk}/").content.decode()
    assert "Healthy." in page and "450 µA" in page
    reads = AuditEvent.objects.filter(action="read", patient_id=p.pk, actor=derm.user)
    kinds = sorted(reads.values_list("object_type", flat=True))
    assert kinds == [
        "appointments.sessionrecord",
        "patients.consultation",
        "patients.screening",
    ]


def test_today_lists_the_dermatologists_own_patients_with_what_to_record(clinic, visit):
    mine = client_for(Role.DERMATOLOGIST)
    visit.practitioner.user = mine.user
    visit.practitioner.save()
    page = mine.get("/chart/").content.decode()
    assert visit.patient.full_name in page and "Record the session" in page
    everyone = client_for(Role.DERMATOLOGIST).get("/chart/").content.decode()  # no practice
    assert visit.patient.full_name in everyone


def review_data(present: dict | None = None, skip: str = "") -> dict:
    data = {}
    for slug in all_contraindications():
        if slug != skip:
            data[f"review_{slug}_status"] = (present or {}).get(slug, "absent")
    return data


def consultation_form(**extra) -> dict:
    return {
        "performed_on": days_ahead(0).isoformat(),
        "anamnesis": "No chronic diseases.",
        "clearance": "cleared",
        **review_data(),
        # A consultation clears only what it plans: a face course.
        "plan_treatment": Treatment.objects.get(slug="microcurrent-therapy-face").pk,
        "plan_sessions": "8",
        "plan_per_week": "2",
        **extra,
    }


def test_a_consultation_needs_every_contraindication_reviewed_and_saves_nothing_else(clinic, derm):
    p = patient()
    response = derm.post(
        f"/chart/patients/{p.pk}/consultations/new/",
        {**consultation_form(), **{"review_pacemaker_status": ""}, "sign": "1"},
    )
    assert response.status_code == 400
    assert "Review this contraindication." in response.content.decode()
    assert not Consultation.objects.filter(patient=p).exists()


def test_a_present_systemic_contraindication_cannot_be_cleared(clinic, derm):
    p = patient()
    data = {**consultation_form(), "review_pacemaker_status": "present", "sign": "1"}
    response = derm.post(f"/chart/patients/{p.pk}/consultations/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Artificial pacemaker is present: the patient cannot be cleared." in page
    assert not Consultation.objects.filter(patient=p).exists()


def test_a_local_finding_needs_its_area_beside_its_row(clinic, derm):
    p = patient()
    data = {**consultation_form(), "review_skin-lesions_status": "present", "sign": "1"}
    response = derm.post(f"/chart/patients/{p.pk}/consultations/new/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give the affected area of a local contraindication." in page
    lesions = Contraindication.objects.get(slug="skin-lesions")
    assert lesions.kind == "temporary" and "Give a review date" in page


def test_signing_a_consultation_clears_the_patient(clinic, derm):
    p = patient()
    screen(p)
    data = {
        **consultation_form(),
        "plan_treatment": clinic.face.pk,
        "plan_sessions": "8",
        "plan_per_week": "2",
        "indications": ["prevention-of-aging"],
        "sign": "1",
    }
    response = derm.post(f"/chart/patients/{p.pk}/consultations/new/", data)
    c = Consultation.objects.get(patient=p)
    assert response["Location"] == f"/chart/consultations/{c.pk}/"
    assert c.is_signed and c.plans.get().sessions == 8
    chart = derm.get(f"/chart/patients/{p.pk}/").content.decode()
    assert "Cleared" in chart
    face, body = (treatment(f"microcurrent-therapy-{area}") for area in ("face", "body"))
    assert clearance_for(p, face).allowed and not clearance_for(p, body).allowed


def test_a_draft_is_edited_then_signed_and_a_signed_one_is_amended(clinic, derm):
    p = patient()
    screen(p)
    derm.post(f"/chart/patients/{p.pk}/consultations/new/", {**consultation_form(), "draft": "1"})
    c = Consultation.objects.get(patient=p)
    assert not c.is_signed
    edit = derm.post(
        f"/chart/consultations/{c.pk}/edit/",
        {**consultation_form(anamnesis="Corrected."), "sign": "1"},
    )
    assert edit.status_code == 302
    c.refresh_from_db()
    assert c.is_signed and c.anamnesis == "Corrected."
    assert derm.get(f"/chart/consultations/{c.pk}/edit/")["Location"].endswith("/amend/")
    amend_url = f"/chart/consultations/{c.pk}/amend/"
    unchanged = derm.post(
        amend_url, {"reason": "Nothing", "clearance": "cleared", "anamnesis": "Corrected."}
    )
    assert (
        unchanged.status_code == 400
        and "The amendment changes nothing." in unchanged.content.decode()
    )
    amended = derm.post(
        amend_url, {"reason": "Allergy left out", "clearance": "cleared", "anamnesis": "Nickel."}
    )
    assert amended.status_code == 302
    c.refresh_from_db()
    amendment = c.amendments.get()
    assert c.anamnesis == "Nickel."
    assert amendment.changes == {"anamnesis": {"from": "Corrected.", "to": "Nickel."}}
    assert "Allergy left out" in derm.get(f"/chart/consultations/{c.pk}/").content.decode()


def test_a_failed_save_and_sign_of_a_draft_saves_nothing(clinic, derm):
    p = patient()
    derm.post(f"/chart/patients/{p.pk}/consultations/new/", {**consultation_form(), "draft": "1"})
    c = Consultation.objects.get(patient=p)
    data = {
        **consultation_form(anamnesis="Changed."),
        "review_pacemaker_status": "present",
        "sign": "1",
    }
    assert derm.post(f"/chart/consultations/{c.pk}/edit/", data).status_code == 400
    c.refresh_from_db()
    assert (c.anamnesis, c.is_signed) == ("No chronic diseases.", False)


RECORD = {
    "current_ua": "700",
    "frequency_hz": "10",
    "waveform": "biphasic",
    "areas": ["face"],
    "duration_minutes": "40",
    "tone_clinician": "6",
}


def test_a_session_at_1600_ua_is_refused_beside_the_field(clinic, visit, derm):
    url = f"/chart/appointments/{visit.pk}/record/"
    page = derm.get(url).content.decode()
    assert "Up to 600 µA is recommended" in page and "1500 µA and above is refused" in page
    response = derm.post(url, {**RECORD, "current_ua": "1600", "sign": "1"})
    assert response.status_code == 400
    assert "outside microcurrent therapy" in response.content.decode()
    assert not SessionRecord.objects.exists()


def test_above_600_ua_needs_a_justification(clinic, visit, derm):
    url = f"/chart/appointments/{visit.pk}/record/"
    refused = derm.post(url, {**RECORD, "sign": "1"})
    assert refused.status_code == 400
    assert "above the recommended 600 µA" in refused.content.decode()
    response = derm.post(url, {**RECORD, "current_justification": "Hypertonicity.", "sign": "1"})
    record = SessionRecord.objects.get(appointment=visit)
    assert response["Location"] == f"/chart/records/{record.pk}/"
    assert record.is_signed and record.current_ua == 700
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert derm.get(url)["Location"] == f"/chart/records/{record.pk}/"  # recorded once


def test_a_signed_session_record_is_amended_not_edited(clinic, visit, derm):
    url = f"/chart/appointments/{visit.pk}/record/"
    derm.post(url, {**RECORD, "current_ua": "500", "sign": "1"})
    record = SessionRecord.objects.get(appointment=visit)
    assert derm.get(f"/chart/records/{record.pk}/edit/")["Location"].endswith("/amend/")
    amend = f"/chart/records/{record.pk}/amend/"
    bad = derm.post(amend, {**RECORD, "current_ua": "1500", "reason": "Wrong value"})
    assert bad.status_code == 400 and "outside microcurrent therapy" in bad.content.decode()
    ok = derm.post(amend, {**RECORD, "current_ua": "550", "reason": "Typo"})
    assert ok.status_code == 302
    record.refresh_from_db()
    assert record.current_ua == 550
    assert record.amendments.get().changes == {"current_ua": {"from": 500, "to": 550}}


def test_a_draft_record_is_edited_and_signed(clinic, visit, derm):
    derm.post(f"/chart/appointments/{visit.pk}/record/", {**RECORD, "current_ua": "500"})
    record = SessionRecord.objects.get(appointment=visit)
    assert not record.is_signed
    derm.post(f"/chart/records/{record.pk}/edit/", {**RECORD, "current_ua": "450"})
    derm.post(f"/chart/records/{record.pk}/sign/")
    record.refresh_from_db()
    assert (record.current_ua, record.is_signed) == (450, True)


def test_a_session_not_attended_cannot_be_recorded(clinic, derm):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 10))
    response = derm.post(f"/chart/appointments/{a.pk}/record/", {**RECORD, "current_ua": "400"})
    assert response.status_code == 400 and "for a patient who came" in response.content.decode()


def test_signing_cleared_without_a_questionnaire_asks_the_dermatologist_to_record_it(clinic, derm):
    p = patient()  # never answered the safety questionnaire
    url = f"/chart/patients/{p.pk}/consultations/new/"
    refused = derm.post(url, {**consultation_form(), "sign": "1"})
    assert refused.status_code == 400
    assert "record their answers with this review" in refused.content.decode()
    assert not Consultation.objects.filter(patient=p).exists()
    signed = derm.post(url, {**consultation_form(), "sign": "1", "record_screening": "on"})
    assert signed.status_code == 302
    assert Consultation.objects.get(patient=p).is_signed and p.screenings.count() == 1


def test_a_consultations_heading_follows_the_pages_headings(clinic, derm):
    """Alone on its page under the h1 it is an h2; in the patient's chart, under the
    section's h2, an h3 (axe's heading-order)."""
    c = cleared_patient().consultations.get()
    alone = derm.get(f"/chart/consultations/{c.pk}/").content.decode()
    assert f'<h2 id="consultation-{c.pk}"' in alone and "<h3" not in alone
    chart = derm.get(f"/chart/patients/{c.patient_id}/").content.decode()
    assert f'<h3 id="consultation-{c.pk}"' in chart
