"""The demo clinic of SPEC S7. Every step is get-or-create, so loading twice is harmless.

Clinical records are written through the same services the app uses, so the demo never
holds a state the app could not produce.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from clinic.audit import Actor
from clinic.roles import Role
from patients import services as patient_services
from patients.models import Patient
from treatments.models import Contraindication, Treatment

DEMO_PASSWORD = os.environ.get("CLINIC_DEMO_PASSWORD", "demo-clinic-2026")

# username -> (first name, last name, role)
DEMO_USERS: dict[str, tuple[str, str, Role]] = {
    "manager": ("Maria", "Koval", Role.MANAGER),
    "reception": ("Olena", "Shevchenko", Role.RECEPTION),
    "dermatologist": ("Iryna", "Melnyk", Role.DERMATOLOGIST),
    "patient1": ("Anna", "Bondarenko", Role.PATIENT),
    "patient2": ("Oksana", "Tkachenko", Role.PATIENT),
    "patient3": ("Petro", "Kravets", Role.PATIENT),
}
DEMO_PATIENTS = {
    "patient1": (date(1988, 4, 12), "+380671110001", "Cleared for microcurrent therapy, face"),
    "patient2": (date(1995, 9, 3), "+380671110002", "New: no consultation yet"),
    "patient3": (date(1961, 1, 27), "+380671110003", "Declared a pacemaker"),
}


def _user(username: str):
    first, last, role = DEMO_USERS[username]
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            "is_staff": role == Role.MANAGER,  # the manager configures the clinic in the admin
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=role))
    return user


def _patient(username: str, user) -> Patient:
    existing = Patient.objects.filter(user=user).first()
    if existing:
        return existing
    dob, phone, _note = DEMO_PATIENTS[username]
    return patient_services.patient_register(
        actor=None,
        first_name=user.first_name,
        last_name=user.last_name,
        date_of_birth=dob,
        email=user.email,
        phone=phone,
        user=user,
    )


def _screen(patient: Patient, actor: Actor, yes: set[str]) -> None:
    if patient.screenings.exists():
        return
    answers = {
        slug: slug in yes for slug in Contraindication.objects.values_list("slug", flat=True)
    }
    patient_services.screening_submit(actor=actor, patient=patient, answers=answers)


def _clear_for_face(patient: Patient, dermatologist) -> None:
    if patient.consultations.filter(status="signed").exists():
        return
    face = Treatment.objects.get(slug="microcurrent-therapy-face")
    actor = Actor(user=dermatologist)
    patient_services.consultation_create(
        actor=actor,
        patient=patient,
        performed_on=timezone.localdate() - timedelta(days=3),
        anamnesis="No chronic diseases. No implants. Not pregnant. No allergies to gels.",
        skin_type="combination",
        fitzpatrick_type=2,
        skin_concerns="Loss of tone in the lower face, fine wrinkles, puffiness under the eyes.",
        reviews=[
            patient_services.ReviewInput(contraindication=slug, status="absent")
            for slug in Contraindication.objects.values_list("slug", flat=True)
        ],
        plans=[
            patient_services.PlanInput(
                treatment=face,
                sessions=8,
                sessions_per_week=2,
                program="Lifting, lymph drainage",
                home_care="Gentle cleanser, hyaluronic serum morning and evening, SPF 30+.",
                preparations="Hyaluronic acid gel",
            )
        ],
        indications=["prevention-of-aging", "face-oval-correction", "edema-and-under-eye-bruises"],
        clearance="cleared",
        sign=True,
    )


@transaction.atomic
def load() -> str:
    users = {name: _user(name) for name in DEMO_USERS}
    patients = {name: _patient(name, users[name]) for name in DEMO_PATIENTS}
    _screen(patients["patient1"], Actor(user=users["patient1"]), yes=set())
    _screen(patients["patient3"], Actor(user=users["patient3"]), yes={"pacemaker"})
    _clear_for_face(patients["patient1"], users["dermatologist"])
    return f"{len(users)} users, {len(patients)} patients"


def logins_table() -> str:
    rows = [f"  {'login':<15}{'role':<15}{'password':<20}note"]
    for name, (_, _, role) in DEMO_USERS.items():
        note = DEMO_PATIENTS.get(name, (None, None, ""))[2]
        rows.append(f"  {name:<15}{role:<15}{DEMO_PASSWORD:<20}{note}")
    return "Demo logins:\n" + "\n".join(rows)
