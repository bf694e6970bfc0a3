"""Test data. Plain rows through factory_boy; clinical records through the services, so
tests never rely on a state the app could not produce."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from clinic.audit import Actor
from clinic.roles import Role
from patients import services
from patients.models import Patient
from treatments.models import Contraindication, Treatment

_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-123456789")

    @factory.post_generation
    def role(self, create: bool, extracted: Role | None, **kwargs) -> None:
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


def staff(role: Role, **kwargs):
    return UserFactory(role=role, **kwargs)


def patient(*, with_login: bool = True, consented: bool = True, **kwargs) -> Patient:
    """A registered patient; `consented`: has accepted the current treatment consent (as
    a patient does before a first device session)."""
    n = next(_seq)
    user = UserFactory(role=Role.PATIENT) if with_login else None
    defaults = dict(
        first_name=f"Pat{n}",
        last_name=f"Ient{n}",
        date_of_birth=date(1980, 1, 1) + timedelta(days=n),
        email=f"patient{n}@example.com",
        phone=f"+38067{n:07d}",
    )
    defaults.update(kwargs)
    p = services.patient_register(actor=None, user=user, **defaults)
    if consented:
        from patients.models import ConsentAcceptance, ConsentText

        current = ConsentText.objects.order_by("-version").first()
        ConsentAcceptance.objects.create(patient=p, consent=current)
    return p


def api(user=None) -> APIClient:
    """An API client; with a user, authenticated as real API clients are: token_api."""
    return token_api(user) if user is not None else APIClient()


def all_contraindications() -> list[str]:
    return list(Contraindication.objects.values_list("slug", flat=True))


def screen(p: Patient, yes: set[str] = frozenset(), at=None):
    answers = {slug: slug in yes for slug in all_contraindications()}
    actor = Actor(user=p.user) if p.user else Actor(user=staff(Role.RECEPTION))
    s = services.screening_submit(actor=actor, patient=p, answers=answers)
    if at is not None:
        type(s).objects.filter(pk=s.pk).update(answered_at=at)
    return s


def consult(
    p: Patient,
    *,
    dermatologist=None,
    clearance: str = "cleared",
    present: dict | None = None,
    excluded_areas: list[str] | None = None,
    sign: bool = True,
    performed_on=None,
    plans: dict[str, int] | None = None,
    record_screening: bool | None = None,
    per_week: dict[str, int] | None = None,
):
    """A consultation; `present` maps slug -> dict(status=..., area=..., review_date=...);
    `per_week` maps slug -> sessions a week in its plan (the treatment's minimum otherwise);
    `plans` maps treatment slug -> number of sessions (a consultation clears only what it
    plans: a face course unless told otherwise)."""
    dermatologist = dermatologist or staff(Role.DERMATOLOGIST)
    if record_screening is None:  # as in the clinic: asked in the consultation if not before
        latest = p.screenings.first()
        record_screening = latest is None or not latest.valid_on(timezone.now())
    if plans is None and clearance != "not_cleared":
        plans = {"microcurrent-therapy-face": 8}
    present = present or {}
    reviews = []
    for slug in all_contraindications():
        extra = present.get(slug, {"status": "absent"})
        reviews.append(services.ReviewInput(contraindication=slug, **extra))
    plan_inputs = [
        services.PlanInput(
            treatment=treatment(slug),
            sessions=n,
            sessions_per_week=(per_week or {}).get(slug)
            or treatment(slug).min_sessions_per_week
            or 1,
        )
        for slug, n in (plans or {}).items()
    ]
    return services.consultation_create(
        actor=Actor(user=dermatologist),
        patient=p,
        reviews=reviews,
        plans=plan_inputs,
        clearance=clearance,
        excluded_areas=excluded_areas or [],
        sign=sign,
        record_screening=record_screening,
        performed_on=performed_on or timezone.localdate(),
        anamnesis="Healthy.",
    )


def treatment(slug: str) -> Treatment:
    return Treatment.objects.get(slug=slug)


def token_api(user) -> APIClient:
    """A client that authenticates like an API client: with a token issued by the same
    service as POST /api/auth/token/. Staff get their authenticator app first, as the
    second-factor rule requires of every staff request (clinic.security)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client


def api_token_for(user) -> str:
    """A new API token of `user` (staff: with an authenticator app, enabled if missing)."""
    from allauth.mfa.models import Authenticator

    from clinic.roles import is_staff_member
    from clinic.tokens import api_token_issue

    if (
        is_staff_member(user)
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        enable_totp(user)
    return api_token_issue(user=user)[0]


def enable_totp(user) -> str:
    """Give a staff user an authenticator app; returns the secret (for computing codes)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str, *, not_counter: int | None = None, margin: float = 3.0) -> str:
    """The authenticator code for now, as the user's app shows it. The server accepts only
    the current 30-second period (no tolerance), so when fewer than `margin` seconds of it
    remain, wait for the next one: a code typed across the change is refused. A code is
    accepted once: `not_counter` names a period already used, which is waited out too."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < margin or int(time.time()) // period == not_counter:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def totp_counter() -> int:
    """The current period's number (for `not_counter`)."""
    import time

    from allauth.mfa import app_settings

    return int(time.time()) // app_settings.TOTP_PERIOD


def login_staff(client, user) -> None:
    """Log a staff member in as the real flow leaves them: password and second factor
    recorded in the session (see clinic.security)."""
    import time

    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        enable_totp(user)
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
