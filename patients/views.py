"""The patient's own pages: details after sign-up, safety questionnaire, consent."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import has_verified_email
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.pages import safe_next, show_domain_error
from clinic.roles import is_staff_member
from patients import consent_pages, photo_pages, selectors, services
from patients.access import patient_required
from patients.form_pages import AnswersForm
from patients.forms import (
    PatientProfileForm,
    ProfileForm,
    QuestionnaireForm,
    duplicate_message,
    sign_up_patient,
)
from patients.models import Patient
from patients.safety_form import safety_version
from treatments.selectors import contraindication_list


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """A patient's profile; for a login that has no patient record yet, its details."""
    if is_staff_member(request.user):
        return redirect(safe_next(request, reverse("appointments:mine")))
    patient = selectors.own_patient(request.user)
    if patient is not None:
        return _edit_profile(request, patient)
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sign_up_patient(user, form.cleaned_data, email_verified=has_verified_email(user))
        except DomainError as exc:
            show_domain_error(form, duplicate_message(exc))
        else:
            if selectors.own_patient(user) is None:
                messages.info(request, _("Please confirm your email address first."))
            return redirect(safe_next(request, reverse("appointments:mine")))
    return render(request, "patients/profile.html", {"form": form, "next": safe_next(request, "")})


def _edit_profile(request: HttpRequest, patient: Patient) -> HttpResponse:
    form = PatientProfileForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_profile_update(
                actor=Actor.from_request(request),
                patient=patient,
                changes=form.changes(),
                consent=form.cleaned_data.get("consent", False),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            _ask_to_confirm(request, patient, form.cleaned_data["email"])
            return redirect("patients:profile")
    context = {"form": form, "patient": patient, "pending_email": _pending_email(request.user)}
    return render(request, "patients/profile_edit.html", context, status=_status(form))


def _ask_to_confirm(request: HttpRequest, patient: Patient, email: str) -> None:
    """A new address: allauth sends it a confirmation link; it replaces the old one only
    once that link is opened (ACCOUNT_CHANGE_EMAIL)."""
    if email.lower() == patient.email.lower():
        return
    EmailAddress.objects.add_new_email(request, request.user, email)
    messages.info(
        request,
        _("We sent a link to %(email)s. Your new address takes effect once you open it.")
        % {"email": email},
    )


def _pending_email(user: Any) -> str:
    new = EmailAddress.objects.get_new(user)
    return new.email if new is not None else ""


@patient_required
def questionnaire(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The safety questionnaire: before the first booking and every 30 days."""
    version = safety_version()
    if version is not None:  # the manager's form (patients/safety_form.py)
        form = AnswersForm(request.POST or None, questions=list(version.questions.all()))
    else:
        form = QuestionnaireForm(request.POST or None, contraindications=contraindication_list())
    if request.method == "POST" and form.is_valid():
        try:
            _submit_screening(request, patient, version, form.answers())
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect(safe_next(request, reverse("appointments:book")))
    context = {
        "form": form,
        "next": safe_next(request, ""),
        "is_current": selectors.screening_is_current(patient),
    }
    return render(request, "patients/questionnaire.html", context, status=_status(form))


def _submit_screening(request: HttpRequest, patient: Patient, version, answers: dict) -> None:
    actor = Actor.from_request(request)
    if version is None:
        services.screening_submit(actor=actor, patient=patient, answers=answers)
    else:
        services.screening_submit_form(
            actor=actor, patient=patient, version=version, answers=answers
        )


@patient_required
def consent(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The treatment consent, read and signed on screen before the first session (and
    again for each new version)."""
    try:
        text = services.consent_current()
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appointments:mine")
    form, signed = consent_pages.sign_step(request, patient, text)
    if signed is not None:
        messages.success(request, _("Thank you: your signed consent is recorded."))
        return redirect(safe_next(request, reverse("patients:consent")))
    context = {
        "form": form,
        "text": text,
        "patient": patient,
        "state": selectors.consent_state(patient),
        "next": safe_next(request, ""),
    }
    return render(request, "patients/consent.html", context, status=_status(form))


@patient_required
def my_photos(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The patient's own photos, compared pose by pose, and their photo consent."""
    form, changed = photo_pages.consent_step(request, patient)
    if changed:
        return redirect("patients:photos")
    context = {**photo_pages.photo_page_context(request, patient), "consent_form": form}
    return render(request, "patients/photos.html", context, status=_status(form))


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200
