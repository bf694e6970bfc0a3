"""Forms of the patient's own pages: sign-up details, questionnaire, consent."""

from __future__ import annotations

from datetime import date
from typing import Any

from allauth.account.forms import LoginForm, SignupForm
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from clinic.errors import DomainError
from clinic.forms import CheckedForm, CheckedFormMixin
from clinic.inputs import check_person_name
from clinic.pages import show_domain_error
from patients.models import Language, Patient
from patients.services import email_taken, patient_sign_up
from patients.services.profile import PROFILE_FIELDS
from treatments.models import Contraindication


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def valid_birth_date(born: date) -> date:
    if born > timezone.localdate():
        raise forms.ValidationError(_("Date of birth cannot be in the future."))
    if born.year < 1900:
        raise forms.ValidationError(_("Date of birth is too far in the past."))
    return born


def sign_up_patient(user: Any, data: dict[str, Any], *, email_verified: bool) -> None:
    """Give the login its patient record (or link it once the email is verified)."""
    language = get_language() or ""
    patient_sign_up(
        user=user,
        first_name=data["first_name"],
        last_name=data["last_name"],
        date_of_birth=data["date_of_birth"],
        preferred_language=language if language in Language.values else Language.EN,
        email_verified=email_verified,
    )


class PatientDetailsForm(CheckedForm):
    """Who the patient is: what a clinic record needs on top of the login."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        validators=[check_person_name],
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        validators=[check_person_name],
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=DateInput(attrs={"autocomplete": "bday"})
    )

    def clean_date_of_birth(self) -> date:
        return valid_birth_date(self.cleaned_data["date_of_birth"])


def duplicate_message(exc: DomainError) -> DomainError:
    """A sign-up that looks like a patient we already have: say what to do, in plain words."""
    if exc.code != "duplicate_patient":
        return exc
    return DomainError(
        gettext(
            "We already have a patient record with these details. Please sign up with the "
            "email address you gave the clinic, or call us at %(phone)s."
        )
        % {"phone": settings.CLINIC_PHONE}
    )


class PatientSignupForm(CheckedFormMixin, SignupForm):
    """allauth's sign-up (email and password) plus the patient's name and date of birth.

    The login, its email address and the patient record are saved together or not at all.
    """

    field_order = ["first_name", "last_name", "date_of_birth", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(PatientDetailsForm().fields)
        self.order_fields(self.field_order)

    def clean_date_of_birth(self) -> date:
        return valid_birth_date(self.cleaned_data["date_of_birth"])

    def save(self, request: HttpRequest) -> Any:
        user = super().save(request)
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])
        sign_up_patient(user, self.cleaned_data, email_verified=False)
        return user

    def try_save(self, request: HttpRequest) -> tuple[Any, HttpResponse | None]:
        try:
            with transaction.atomic():
                return super().try_save(request)
        except DomainError as exc:
            show_domain_error(self, duplicate_message(exc))
            response = TemplateResponse(request, "account/signup.html", {"form": self}, status=400)
            return None, response


class PatientLoginForm(LoginForm):
    """allauth's log-in, with the one box labelled for what it takes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email or username")
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)


class ProfileForm(PatientDetailsForm):
    """For a login that has no patient record yet (for example made by an administrator)."""


class PatientProfileForm(CheckedForm):
    """The patient's own details and what messages they want (patients/profile_edit.html
    groups the fields; `GROUPS` names them)."""

    first_name = PatientDetailsForm.base_fields["first_name"]
    last_name = PatientDetailsForm.base_fields["last_name"]
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("A new address takes effect once you open the link we send to it."),
        widget=forms.EmailInput({"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        required=False,
        help_text=_("International format, for example +380 67 123 4567."),
        widget=forms.TextInput({"autocomplete": "tel", "type": "tel"}),
    )
    preferred_language = forms.ChoiceField(label=_("Language of messages"), choices=Language)
    remind_by_email = forms.BooleanField(label=_("Messages by email"), required=False)
    remind_by_sms = forms.BooleanField(label=_("Messages by SMS"), required=False)
    consent = forms.BooleanField(
        label=_("I agree to receive messages from the clinic on the channels I chose."),
        required=False,
    )
    remind_before_session = forms.BooleanField(
        label=_("Reminders before each session"),
        help_text=_("A day before and two hours before, with a link to confirm or cancel."),
        required=False,
    )
    optional_messages = forms.BooleanField(
        label=_("Advice and suggestions"),
        help_text=_("Home care after a session, and the next session of your course."),
        required=False,
    )

    GROUPS = (
        (_("Your name"), ("first_name", "last_name")),
        (_("How to reach you"), ("email", "phone", "preferred_language")),
        (_("Channels"), ("remind_by_email", "remind_by_sms", "consent")),
        (_("What we send"), ("remind_before_session", "optional_messages")),
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        initial = {name: getattr(patient, name) for name in PROFILE_FIELDS | {"email"}}
        super().__init__(*args, initial=initial, **kwargs)
        self.patient = patient
        if patient.reminder_consent_at is not None:
            del self.fields["consent"]  # given once, kept (switching channels off keeps it)

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in self.GROUPS
        ]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.lower() != self.patient.email.lower() and email_taken(email, patient=self.patient):
            raise forms.ValidationError(
                _("This address belongs to another patient record. Please call the clinic.")
            )
        return email

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class QuestionnaireForm(CheckedForm):
    """One yes/no question per contraindication, in plain words; every one is required."""

    YES_NO = [("yes", _("Yes")), ("no", _("No"))]

    def __init__(self, *args: Any, contraindications: list[Contraindication], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for c in contraindications:
            self.fields[c.slug] = forms.ChoiceField(
                label=gettext(c.screening_question),
                choices=self.YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer yes or no.")},
            )

    def answers(self) -> dict[str, bool]:
        return {slug: value == "yes" for slug, value in self.cleaned_data.items()}


class ConsentSignForm(CheckedForm):
    """The consent signed on screen: static/js/signature.js puts the drawing (a PNG data
    URL) into `signature`; the service checks it is not empty."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    signature = forms.CharField(
        label=_("Signature"),
        required=False,  # empty is refused by the service, with the message beside the pad
        max_length=2_000_000,
        strip=True,
        widget=forms.HiddenInput(attrs={"data-signature-value": ""}),
    )


class PatientSearchForm(CheckedForm):
    q = forms.CharField(
        label=_("Name, phone or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput({"type": "search", "autocomplete": "off"}),
    )
