"""django-allauth hooks: a verified email links the patient record reception registered."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.http import HttpRequest
from django.urls import reverse

from clinic.roles import Role, roles_of
from patients.models import Patient
from patients.services import patient_email_confirmed, patient_link_verified_email

# The first of the user's roles in this order picks the page.
STAFF_HOME = (
    (Role.DERMATOLOGIST, "chart:today"),
    (Role.RECEPTION, "desk:day"),
    (Role.MANAGER, "reports:reports"),
)


def user_display(user: Any) -> str:
    """How allauth names a person ("Successfully signed in as ..."): the first name they
    gave, else their email; never a username they did not choose (sign-up makes one)."""
    patient = (
        Patient.objects.filter(user_id=user.pk, merged_into__isnull=True)
        .values_list("first_name", flat=True)
        .first()
    )
    return patient or user.get_full_name() or user.email or user.get_username()


class PatientAccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Where a login lands when it asked for no page: patients on their appointments,
        staff on the page of their day's work."""
        roles = roles_of(request.user)
        for role, page in STAFF_HOME:
            if role in roles:
                return reverse(page)
        return super().get_login_redirect_url(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """The password step is counted by django-axes (clinic.security.login_name: one
        count per person, in the database, with its lockout page), not by allauth's
        "login_failed" limit, whose per-login count would answer the sixth try with a form
        error before axes could. That limit stays on where allauth uses it for the code
        step of two-factor login (settings.ACCOUNT_RATE_LIMITS)."""

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            patient_link_verified_email(user=email_address.user, email=email_address.email)
            # A patient who changed their address on the profile page: it takes effect now.
            patient_email_confirmed(user=email_address.user, email=email_address.email)
        return confirmed
