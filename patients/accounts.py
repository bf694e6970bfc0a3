"""django-allauth hooks: a verified email links the patient record reception registered."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from django.http import HttpRequest

from clinic.roles import is_staff_member
from patients.services import patient_link_verified_email


class PatientAccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Patients land on their appointments; staff on the admin (or the home page)."""
        if is_staff_member(request.user):
            return "/admin/" if request.user.is_staff else "/"
        return super().get_login_redirect_url(request)

    def confirm_email(self, request: HttpRequest, email_address: EmailAddress) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            patient_link_verified_email(user=email_address.user, email=email_address.email)
        return confirmed
