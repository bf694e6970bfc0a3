"""Chart conveniences: "mark the rest absent" in the contraindication review, the session
record pre-filled from the plan, amendments shown with field labels in the reader's
language."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation

from appointments.models import SessionRecord
from appointments.services import appointment_check_in
from clinic.audit import Actor
from clinic.roles import Role
from patients import services as patient_services
from patients.models import Consultation
from tests.appointments.clinic_setup import at_clinic_now
from tests.desk.helpers import booked_earlier_today
from tests.factories import all_contraindications, patient, screen, staff, treatment

pytestmark = [pytest.mark.django_db, at_clinic_now]

FACE = "microcurrent-therapy-face"


def checked_radio(page: str, name: str) -> str | None:
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def test_mark_the_rest_absent_fills_every_unanswered_review_and_saves_nothing(clinic, derm):
    p = patient()
    screen(p)
    slugs = all_contraindications()
    data = {
        "performed_on": timezone.localdate().isoformat(),
        "anamnesis": "Typed before the click.",
        f"review_{slugs[0]}_status": "present",
        "all_absent": "1",
    }
    response = derm.post(f"/chart/patients/{p.pk}/consultations/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Typed before the click." in page
    assert checked_radio(page, f"review_{slugs[0]}_status") == "present"  # kept
    assert all(checked_radio(page, f"review_{s}_status") == "absent" for s in slugs[1:])
    assert "Review this contraindication." not in page
    assert not Consultation.objects.filter(patient=p).exists()


def planned_visit(program: str):
    p = patient(with_login=False)
    screen(p)
    patient_services.consultation_create(
        actor=Actor(user=staff(Role.DERMATOLOGIST)),
        patient=p,
        reviews=[
            patient_services.ReviewInput(contraindication=s, status="absent")
            for s in all_contraindications()
        ],
        plans=[
            patient_services.PlanInput(
                treatment=treatment(FACE), sessions=8, sessions_per_week=2, program=program
            )
        ],
        clearance="cleared",
        excluded_areas=[],
        sign=True,
        performed_on=timezone.localdate(),
        anamnesis="Healthy.",
    )
    a = booked_earlier_today(p, treatment(FACE))
    appointment_check_in(
        actor=Actor(user=staff(Role.RECEPTION)), appointment=a, screening_confirmed=True
    )
    return a


def test_the_session_record_starts_with_the_plans_program_and_area(clinic, derm):
    visit = planned_visit("Lifting protocol B, 40 min")
    page = derm.get(f"/chart/appointments/{visit.pk}/record/").content.decode()
    assert re.search(r'name="program"[^>]*value="Lifting protocol B, 40 min"', page)
    face = re.search(r'<input[^>]*name="areas"[^>]*value="face"[^>]*>', page).group(0)
    assert " checked" in face


RECORD = {
    "current_ua": "500",
    "frequency_hz": "10",
    "waveform": "biphasic",
    "areas": ["face"],
    "duration_minutes": "40",
    "tone_clinician": "5",
}


def test_amendments_show_field_labels_in_the_readers_language(clinic, derm):
    visit = planned_visit("Protocol A")
    derm.post(f"/chart/appointments/{visit.pk}/record/", {**RECORD, "sign": "1"})
    record = SessionRecord.objects.get(appointment=visit)
    amended = derm.post(
        f"/chart/records/{record.pk}/amend/",
        {**RECORD, "tone_clinician": "6", "waveform": "sine", "reason": "Typo"},
    )
    assert amended.status_code == 302
    page = derm.get(f"/chart/records/{record.pk}/").content.decode()
    assert "Tone, clinician: <del>5</del> → <ins>6</ins>" in page
    assert "Waveform: <del>Biphasic</del> → <ins>Sine</ins>" in page
    assert "tone_clinician" not in page.split("Amendments")[-1]
    with translation.override("en"):  # the request's language must not stay on this thread
        ukrainian = derm.get(f"/chart/records/{record.pk}/", HTTP_ACCEPT_LANGUAGE="uk")
    assert "Тонус, оцінка лікаря: <del>5</del>" in ukrainian.content.decode()


def test_without_a_program_in_the_plan_the_field_starts_empty(clinic, derm):
    visit = planned_visit("")
    page = derm.get(f"/chart/appointments/{visit.pk}/record/").content.decode()
    program = re.search(r'<input[^>]*name="program"[^>]*>', page).group(0)
    assert 'value="' not in program or 'value=""' in program
