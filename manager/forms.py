"""The settings forms: labels in the clinic's languages, errors beside the fields."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from appointments.models import Practitioner, Weekday
from appointments.services.closures import REASON_MAX, ClosureInput
from appointments.services.configuration import practitioner_candidates
from clinic.forms import CheckedForm
from patients.forms import DateInput
from treatments.models import DepositKind, Treatment


class ClosureForm(CheckedForm):
    start_date = forms.DateField(label=_("First closed day"), widget=DateInput)
    end_date = forms.DateField(label=_("Last closed day"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        help_text=_("Patients with sessions on these days are told it."),
    )
    # Sent by the "Close anyway" button, shown once the booked sessions are listed.
    close_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day cannot be before the first day."))
        return data

    def closure_input(self) -> ClosureInput:
        data = self.cleaned_data
        return ClosureInput(data["start_date"], data["end_date"], data["reason"])


class OpeningHoursForm(CheckedForm):
    """One opening and one closing time per weekday; both empty: closed that day."""

    labels = (_("opens"), _("closes"))
    headings = (_("Opens"), _("Closes"))

    def __init__(self, *args: Any, week: dict[int, tuple[time, time] | None], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for day, name in Weekday.choices:
            span = week.get(day)
            parts = (("open", self.labels[0], 0), ("close", self.labels[1], 1))
            for part, label, index in parts:
                self.fields[f"{part}_{day}"] = forms.TimeField(
                    label=f"{name}: {label}",
                    required=False,
                    initial=span[index] if span else None,
                    widget=forms.TimeInput({"type": "time"}, format="%H:%M"),
                )
        # Sent by the "Change anyway" button, shown once the stranded sessions are listed.
        self.fields["change_anyway"] = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def days(self) -> list[tuple[str, Any, Any]]:
        """(weekday name, opens, closes) bound fields, Monday first."""
        return [(name, self[f"open_{d}"], self[f"close_{d}"]) for d, name in Weekday.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for day, _name in Weekday.choices:
            opens, closes = data.get(f"open_{day}"), data.get(f"close_{day}")
            if (opens is None) != (closes is None):
                missing = f"close_{day}" if closes is None else f"open_{day}"
                if missing not in self.errors:
                    self.add_error(missing, _("Give both times, or neither for a closed day."))
            elif opens is not None and closes <= opens:
                self.add_error(f"close_{day}", _("Closing time must be after opening time."))
        return data

    def week(self) -> dict[int, tuple[time, time] | None]:
        data = self.cleaned_data
        return {
            d: (data[f"open_{d}"], data[f"close_{d}"]) if data.get(f"open_{d}") else None
            for d, _name in Weekday.choices
        }


class WorkingHoursForm(OpeningHoursForm):
    """A practitioner's week: both times empty on a day off."""

    labels = (_("starts"), _("ends"))
    headings = (_("Starts"), _("Ends"))


class TimeOffForm(CheckedForm):
    day = forms.DateField(label=_("Day off"), widget=DateInput)
    start = forms.TimeField(
        label=_("From (empty: the whole day)"),
        required=False,
        widget=forms.TimeInput({"type": "time"}, format="%H:%M"),
    )
    end = forms.TimeField(
        label=_("until"), required=False, widget=forms.TimeInput({"type": "time"}, format="%H:%M")
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


def duration_label(minutes: int) -> str:
    """1440 -> "1 day before", 120 -> "2 hours before", in the reader's language."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(n)s day before", "%(n)s days before", days) % {"n": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)s hour before", "%(n)s hours before", hours) % {"n": hours}
    return ngettext("%(n)s minute before", "%(n)s minutes before", minutes) % {"n": minutes}


REMINDER_CHOICES = [7 * 1440, 3 * 1440, 2 * 1440, 1440, 12 * 60, 6 * 60, 3 * 60, 2 * 60, 60]
NOTICE_CHOICES = [h * 60 for h in (0, 1, 2, 3, 4, 6, 12, 24, 48)]


def span_label(minutes: int) -> str:
    if minutes % 60:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    return ngettext("%(n)s hour", "%(n)s hours", minutes // 60) % {"n": minutes // 60}


class PolicyForm(CheckedForm):
    """The booking and reminder policy in hours and days, as the manager thinks of it."""

    patient_min_notice_minutes = forms.TypedChoiceField(
        label=_("Online booking closes before the start"), coerce=int
    )
    booking_horizon_days = forms.IntegerField(
        label=_("Book up to this many days ahead"), min_value=1, max_value=730
    )
    patient_cancel_cutoff_hours = forms.IntegerField(
        label=_("Patients cancel or move online up to (hours before)"), min_value=0, max_value=720
    )
    reminder_offsets_minutes = forms.TypedMultipleChoiceField(
        label=_("Reminders"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sent before each session; none ticked: no reminders."),
    )
    quiet_hours_start = forms.TimeField(
        label=_("No messages from"), widget=forms.TimeInput({"type": "time"}, format="%H:%M")
    )
    quiet_hours_end = forms.TimeField(
        label=_("until"), widget=forms.TimeInput({"type": "time"}, format="%H:%M")
    )
    device_buffer_minutes = forms.IntegerField(
        label=_("Device cleaning time after a session (minutes)"), min_value=0, max_value=120
    )
    slot_step_minutes = forms.TypedChoiceField(
        label=_("Start times every"),
        coerce=int,
    )
    waitlist_offer_minutes = forms.IntegerField(
        label=_("A waitlist offer stays open (minutes)"), min_value=5, max_value=24 * 60
    )
    check_in_opens_minutes = forms.IntegerField(
        label=_("Check-in opens before the start (minutes)"), min_value=0, max_value=24 * 60
    )

    def __init__(self, *args: Any, current: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offsets = sorted(set(REMINDER_CHOICES) | set(current), reverse=True)
        self.fields["reminder_offsets_minutes"].choices = [(m, duration_label(m)) for m in offsets]
        notice = self.initial.get("patient_min_notice_minutes")
        values = sorted(set(NOTICE_CHOICES) | ({notice} if notice is not None else set()))
        self.fields["patient_min_notice_minutes"].choices = [(m, span_label(m)) for m in values]
        self.fields["slot_step_minutes"].choices = [
            (m, ngettext("%(n)s minute", "%(n)s minutes", m) % {"n": m})
            for m in (5, 10, 15, 20, 30, 60)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("quiet_hours_start") and data.get("quiet_hours_start") == data.get(
            "quiet_hours_end"
        ):
            self.add_error("quiet_hours_end", _("Quiet hours must end at another time."))
        return data


class RoomForm(CheckedForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class DeviceForm(CheckedForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    serial_number = forms.CharField(label=_("Serial number"), max_length=60, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class OutageForm(CheckedForm):
    start = forms.DateTimeField(
        label=_("Out of service from"),
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        label=_("until"),
        widget=forms.DateTimeInput({"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must be after the start."))
        return data


class StaffLoginField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class PractitionerForm(CheckedForm):
    user = StaffLoginField(
        label=_("Staff login"),
        queryset=practitioner_candidates(),
        help_text=_("Only dermatologists' staff logins can be chosen."),
    )
    display_name = forms.CharField(label=_("Name shown to patients"), max_length=120)
    treatments = forms.ModelMultipleChoiceField(
        label=_("Performs"),
        queryset=Treatment.objects.order_by("position", "name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_active = forms.BooleanField(label=_("Takes bookings"), required=False, initial=True)

    def __init__(self, *args: Any, practitioner: Practitioner | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = practitioner_candidates(practitioner)
        self.fields["treatments"].label_from_instance = lambda t: _(t.name)


class CancelReasonForm(CheckedForm):
    label_en = forms.CharField(label=_("Label in English"), max_length=100)
    label_uk = forms.CharField(label=_("Label in Ukrainian"), max_length=100, required=False)
    needs_note = forms.BooleanField(
        label=_("Staff must add a note (as for “Other”)"), required=False
    )
    is_active = forms.BooleanField(label=_("Offered"), required=False, initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)


class PriceForm(CheckedForm):
    """A treatment's price in the clinic's one currency (settings.CLINIC_CURRENCY)."""

    price = forms.DecimalField(
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "min_value": _("A price cannot be negative."),
            "max_digits": _("Give the price in the clinic's currency with at most two decimals."),
            "max_decimal_places": _(
                "Give the price in the clinic's currency with at most two decimals."
            ),
            "max_whole_digits": _(
                "Give the price in the clinic's currency with at most two decimals."
            ),
            "invalid": _("Enter the price as a number, for example 1200 or 1200.50."),
        },
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].label = _("Price (%(currency)s)") % {"currency": currency}


class DepositRuleForm(CheckedForm):
    """A treatment's deposit for online bookings (field names as the service's errors)."""

    deposit_kind = forms.ChoiceField(
        label=_("Deposit"), choices=DepositKind.choices, widget=forms.RadioSelect
    )
    deposit_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        error_messages={
            "min_value": _("A deposit amount is more than zero."),
            "max_digits": _("Give the amount in the clinic's currency with at most two decimals."),
            "max_decimal_places": _(
                "Give the amount in the clinic's currency with at most two decimals."
            ),
            "max_whole_digits": _(
                "Give the amount in the clinic's currency with at most two decimals."
            ),
            "invalid": _("Enter the amount as a number, for example 300 or 300.50."),
        },
    )
    deposit_percent = forms.IntegerField(
        label=_("Percentage of the price"),
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": _("A deposit percentage is from 1 to 100."),
            "max_value": _("A deposit percentage is from 1 to 100."),
            "invalid": _("Enter a whole number from 1 to 100."),
        },
    )
    deposit_first_visit_only = forms.BooleanField(
        label=_("Only on a patient's first visit"),
        required=False,
        help_text=_("Patients who have been to the clinic book without a deposit."),
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deposit_amount"].label = _("Amount (%(currency)s)") % {"currency": currency}
