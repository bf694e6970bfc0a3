"""The demo clinic of SPEC S7. Every step is get-or-create, so loading twice is harmless.

Clinical records are written through the same services the app uses, so the demo never
holds a state the app could not produce.
"""

from __future__ import annotations

import os
from datetime import date, time, timedelta

from allauth.account.models import EmailAddress
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
# Staff must log in with a second factor: the demo staff share this authenticator secret
# (base32; add it to an authenticator app, or run `python manage.py demo_totp`).
DEMO_TOTP_SECRET = os.environ.get("CLINIC_DEMO_TOTP_SECRET", "JBSWY3DPEHPK3PXPMVXGC3DJNZRWKZLX")

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


# The second practitioner of the demo clinic (a login of their own, no password).
DEMO_PRACTITIONERS = {"dermatologist": "Dr Iryna Melnyk", "cosmetologist": "Dr Taras Lysenko"}
DEMO_ROOMS = ("Room 1", "Room 2", "Room 3")
DEMO_DEVICES = ("Microcurrent unit A", "Microcurrent unit B")
DEMO_HOURS = (time(9), time(18))  # Monday to Saturday


def _resources() -> None:
    """Practitioners who perform every treatment, rooms, devices and their working hours."""
    from appointments.models import Device, Practitioner, Room, WorkingHours

    treatments = list(Treatment.objects.filter(is_active=True))
    for username, shown in DEMO_PRACTITIONERS.items():
        user, _created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": shown.split()[1], "is_active": True}
        )
        user.groups.add(Group.objects.get(name=Role.DERMATOLOGIST))
        practitioner, created = Practitioner.objects.get_or_create(
            user=user, defaults={"display_name": shown}
        )
        if created:
            practitioner.treatments.set(treatments)
            WorkingHours.objects.bulk_create(
                WorkingHours(
                    practitioner=practitioner, weekday=d, start=DEMO_HOURS[0], end=DEMO_HOURS[1]
                )
                for d in range(6)
            )
    for name in DEMO_ROOMS:
        Room.objects.get_or_create(name=name)
    for name in DEMO_DEVICES:
        Device.objects.get_or_create(name=name)


def _verified_emails(users: dict) -> None:
    """The demo logins' addresses count as verified (sign-ups verify theirs by email)."""
    for user in users.values():
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )


@transaction.atomic
def load() -> str:
    users = {name: _user(name) for name in DEMO_USERS}
    _verified_emails(users)
    _resources()
    patients = {name: _patient(name, users[name]) for name in DEMO_PATIENTS}
    _screen(patients["patient1"], Actor(user=users["patient1"]), yes=set())
    _screen(patients["patient3"], Actor(user=users["patient3"]), yes={"pacemaker"})
    _clear_for_face(patients["patient1"], users["dermatologist"])
    _staff_second_factor(users)
    return f"{len(users)} users, {len(patients)} patients"


def _staff_second_factor(users: dict) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    for name, (_, _, role) in DEMO_USERS.items():
        user = users[name]
        if (
            role != Role.PATIENT
            and not Authenticator.objects.filter(user=user, type="totp").exists()
        ):
            TOTP.activate(user, DEMO_TOTP_SECRET)


def current_totp_code() -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))


def logins_table() -> str:
    rows = [f"  {'login':<15}{'role':<15}{'password':<20}note"]
    for name, (_, _, role) in DEMO_USERS.items():
        note = DEMO_PATIENTS.get(name, (None, None, ""))[2]
        rows.append(f"  {name:<15}{role:<15}{DEMO_PASSWORD:<20}{note}")
    rows.append(
        f"  Staff also give a TOTP code: authenticator secret {DEMO_TOTP_SECRET},"
        " or print the current code with: .venv/bin/python manage.py demo_totp"
    )
    return "Demo logins:\n" + "\n".join(rows)
