"""Forms of the reception desk: grids, patient search and registration, booking on behalf,
check-in, moving and cancelling with a reason, the waitlist."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from appointments.calendar import zone
from appointments.forms import CalendarDayForm, within_horizon
from appointments.models import BY_PATIENT, CancelReason, Device, Practitioner, Room
from appointments.selectors import cancel_reasons_offered
from clinic.forms import CheckedForm
from clinic.inputs import check_date_in_range, check_person_name
from desk.grid import BY_CHOICES
from patients.forms import DateInput, valid_birth_date
from patients.models import Language
from treatments.fields import TreatmentChoiceField
from treatments.models import Treatment

BY_LABELS = {"practitioner": _("Practitioners"), "room": _("Rooms"), "device": _("Devices")}


class GridForm(CalendarDayForm):
    """Which day (or week) and which resources: a bad value falls back to today."""

    by = forms.ChoiceField(
        label=_("Show by"), required=False, choices=[(b, BY_LABELS[b]) for b in BY_CHOICES]
    )

    def values(self) -> tuple[date, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return self.chosen_day(), data.get("by") or "practitioner"


class PatientRegisterForm(CheckedForm):
    first_name = forms.CharField(
        label=_("First name"), max_length=100, validators=[check_person_name]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=100, validators=[check_person_name]
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    phone = PhoneNumberField(
        label=_("Phone"), required=False, help_text=_("International format, e.g. +380671234567.")
    )
    email = forms.EmailField(label=_("Email"), required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    remind_by_email = forms.BooleanField(label=_("Reminders by email"), required=False)
    remind_by_sms = forms.BooleanField(label=_("Reminders by SMS"), required=False)
    not_a_duplicate = forms.BooleanField(
        label=_("I checked: this is a different person with the same name and date of birth."),
        required=False,
        widget=forms.HiddenInput,  # offered only after a name-and-birth-date match
    )

    def clean_date_of_birth(self) -> date:
        return valid_birth_date(self.cleaned_data["date_of_birth"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("phone") and not data.get("email"):
            self.add_error("phone", _("Give a phone number or an email address."))
        if data.get("remind_by_sms") and not data.get("phone"):
            self.add_error("remind_by_sms", _("SMS reminders need a phone number."))
        if not data.get("email"):  # nowhere to send them (ticked by default)
            data["remind_by_email"] = False
        return data

    def offer_not_a_duplicate(self) -> None:
        self.fields["not_a_duplicate"].widget = forms.CheckboxInput()

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["phone"] = str(data.get("phone") or "")
        data["allow_same_name_and_birth_date"] = data.pop("not_a_duplicate", False)
        return data


def treatment_choices() -> forms.ModelChoiceField:
    return TreatmentChoiceField(
        label=_("Treatment"), queryset=Treatment.objects.filter(is_active=True)
    )


def practitioner_choices(label: Any = None) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label or _("Practitioner"),
        queryset=Practitioner.objects.filter(is_active=True),
        required=False,
        empty_label=_("Anyone free"),
    )


class SlotQueryForm(CheckedForm):
    """Booking on behalf of a patient: what, which day, with whom (free times follow)."""

    treatment = treatment_choices()
    day = forms.DateField(label=_("Day"), widget=DateInput)
    practitioner = practitioner_choices()
    # From a free cell of the day grid: the time clicked, and the room or device of its
    # column when the grid was by room or device.
    at = forms.TimeField(required=False, widget=forms.HiddenInput)
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )
    device = forms.ModelChoiceField(
        queryset=Device.objects.filter(is_active=True), required=False, widget=forms.HiddenInput
    )

    def clean_day(self) -> date:
        return within_horizon(self.cleaned_data["day"])


class DayPickForm(CheckedForm):
    day = forms.DateField(label=_("Day"), widget=DateInput)

    def clean_day(self) -> date:
        return within_horizon(self.cleaned_data["day"])


class SlotField(forms.CharField):
    """A chosen free time: "<ISO start>|<practitioner id>" as the slot buttons send it."""

    widget = forms.HiddenInput

    def to_python(self, value: Any) -> tuple[datetime, int | None] | None:
        text = super().to_python(value)
        if not text:
            return None
        start_text, _sep, practitioner = text.partition("|")
        try:
            start = datetime.fromisoformat(start_text)
            pid = int(practitioner) if practitioner else None
        except ValueError as exc:
            raise forms.ValidationError(_("Choose a time from the list.")) from exc
        if timezone.is_naive(start):
            start = timezone.make_aware(start, zone())
        check_date_in_range(start)
        return start, pid


class SlotForm(CheckedForm):
    slot = SlotField(error_messages={"required": _("Choose a time from the list.")})


class BookSlotForm(SlotForm):
    """Booking on behalf: the time, and the room or device when a grid cell named one."""

    room = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    device = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def places(self) -> dict[str, int | None]:
        return {
            "room_id": self.cleaned_data.get("room"),
            "device_id": self.cleaned_data.get("device"),
        }


class ReasonForm(CheckedForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Kept with the appointment for the team."),
    )


class MoveForm(SlotForm, ReasonForm):
    pass


class CancelReasonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: CancelReason) -> str:
        return obj.label


class ReasonWithNote(CheckedForm):
    """A reason from the manager's list (`reasons()`: the ones offered here) and a note,
    required where the reason needs one."""

    def reasons(self) -> QuerySet[CancelReason]:
        return cancel_reasons_offered()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason_id"].queryset = self.reasons()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = data.get("reason_id")
        if chosen is not None and chosen.needs_note and not data.get("reason", "").strip():
            self.add_error("reason", _("Say what happened (this reason needs a note)."))
        return data


class CancelForm(ReasonWithNote):
    """A reason from the manager's list; a note as well where the reason needs one."""

    reason_id = CancelReasonField(
        label=_("Why is it cancelled?"),
        queryset=CancelReason.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose a reason.")},
    )
    reason = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Required for “Other”; kept with the appointment for the team."),
    )


class CheckInForm(CheckedForm):
    screening_confirmed = forms.BooleanField(
        label=_("The patient confirms the answers of the safety questionnaire still hold."),
        required=False,
    )


class WaitlistJoinForm(CheckedForm):
    treatment = treatment_choices()
    earliest = forms.DateField(label=_("From"), widget=DateInput)
    latest = forms.DateField(label=_("Until"), widget=DateInput)
    practitioner = practitioner_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("earliest") and data.get("latest") and data["latest"] < data["earliest"]:
            self.add_error("latest", _("The last day comes after the first."))
        return data


def move_reasons_offered():
    """The manager's reasons, for a move made by staff: all offered ones but the patient's
    own cancel (its label says "cancelled"; a patient moves on their own pages)."""
    return cancel_reasons_offered().exclude(code=BY_PATIENT)


class DropForm(ReasonWithNote):
    """A booked session dragged on the day grid: the new start and the column it was
    dropped in (a practitioner, room or device, as the grid shows them), and why, which
    desk-grid.js asks in a dialog (the manager's reasons; the first one chosen already)."""

    at = SlotField(error_messages={"required": _("Drop the session on a free time.")})
    by = forms.ChoiceField(choices=[(b, BY_LABELS[b]) for b in BY_CHOICES])
    column = forms.IntegerField(min_value=1, max_value=2**63 - 1)
    reason_id = CancelReasonField(
        label=_("Why is it moved?"),
        queryset=CancelReason.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Say why the session is moved: choose a reason."),
            "invalid_choice": _("Choose one of the listed reasons."),
        },
    )
    reason = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("Required for “Other”; kept with the appointment for the team."),
    )

    def reasons(self) -> QuerySet[CancelReason]:
        return move_reasons_offered()

    def resources(self) -> dict[str, int]:
        """The service's keyword for the column: practitioner_id, room_id or device_id."""
        return {f"{self.cleaned_data['by']}_id": self.cleaned_data["column"]}

    def reason_text(self) -> str:
        """What the move records: the reason's label in the mover's language, and the note
        (as written, a note for the team like the cancel's)."""
        label = self.cleaned_data["reason_id"].label
        note = self.cleaned_data["reason"].strip()
        return f"{label}: {note}"[:300] if note else label


class BookAtForm(CheckedForm):
    """A free cell of the day grid chosen for a booking: its time and column."""

    at = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"])
    by = forms.ChoiceField(choices=[(b, BY_LABELS[b]) for b in BY_CHOICES])
    column = forms.IntegerField(min_value=1, max_value=2**63 - 1)

    def clean_at(self) -> datetime:
        at = self.cleaned_data["at"]
        check_date_in_range(at)
        return at

    def book_query(self) -> dict[str, str]:
        """The booking page's query: the day, the time and who or where."""
        data = self.cleaned_data
        at = data["at"].astimezone(zone())
        query = {"day": at.date().isoformat(), "at": f"{at:%H:%M}"}
        query[data["by"]] = str(data["column"])
        return query
