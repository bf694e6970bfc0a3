"""Forms of the patient's booking pages, and the day picker of the staff calendars."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.calendar import calendar_config, zone
from appointments.models import Practitioner
from clinic.forms import CheckedForm
from patients.forms import DateInput


def within_horizon(day: date) -> date:
    """A day from today up to the booking horizon, or a form error saying which way."""
    today = timezone.localdate()
    horizon = calendar_config().policy.booking_horizon_days
    if day < today:
        raise forms.ValidationError(_("Choose today or a later day."))
    if day > today + timedelta(days=horizon):
        raise forms.ValidationError(
            _("Bookings open %(days)s days ahead: choose an earlier day.") % {"days": horizon}
        )
    return day


class DayForm(CheckedForm):
    """A day to show free times for: from today up to the booking horizon."""

    day = forms.DateField(label=_("Or pick another day"), widget=DateInput)

    def clean_day(self) -> date:
        return within_horizon(self.cleaned_data["day"])


class WaitlistForm(CheckedForm):
    """The days a patient could come if a time frees up (from today to the horizon)."""

    earliest = forms.DateField(label=_("From"), widget=DateInput)
    latest = forms.DateField(label=_("Until"), widget=DateInput)
    time_from = forms.TimeField(
        label=_("Times of day from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    time_to = forms.TimeField(
        label=_("Times of day until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def clean_earliest(self) -> date:
        return within_horizon(self.cleaned_data["earliest"])

    def clean_latest(self) -> date:
        return within_horizon(self.cleaned_data["latest"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("earliest") and data.get("latest") and data["latest"] < data["earliest"]:
            self.add_error("latest", _("Give a day on or after the first one."))
        start, end = data.get("time_from"), data.get("time_to")
        if (start is None) != (end is None):
            self.add_error("time_to" if end is None else "time_from", _("Give this time too."))
        elif start is not None and end is not None and end <= start:
            self.add_error("time_to", _("Give a time after the first one."))
        return data


class PractitionerField(forms.ModelChoiceField):
    """Who gives the treatment, or anyone free (empty): only active practitioners who
    give it; any other value is an error naming the problem."""

    def label_from_instance(self, obj: Practitioner) -> str:
        return obj.display_name

    def to_python(self, value: Any) -> Practitioner | None:
        # Only plain ids reach the database: "1e9", "\x00" or a 30-digit id are a
        # choice error like any unknown id, never a database error.
        if value not in self.empty_values and not (str(value).isdigit() and len(str(value)) < 10):
            raise forms.ValidationError(self.error_messages["invalid_choice"], "invalid_choice")
        return super().to_python(value)


class PractitionerForm(CheckedForm):
    """The patient's choice of practitioner for one treatment; empty means "any"."""

    practitioner = PractitionerField(
        label=_("Practitioner"),
        queryset=Practitioner.objects.none(),
        required=False,
        empty_label=_("Any practitioner"),
        error_messages={
            "invalid_choice": _(
                "This practitioner does not give this treatment online: choose another, "
                "or any practitioner."
            )
        },
    )

    def __init__(self, *args: Any, treatment: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["practitioner"]
        field.queryset = Practitioner.objects.filter(is_active=True, treatments=treatment)

    def chosen_id(self) -> int | None:
        chosen = self.cleaned_data.get("practitioner") if self.is_valid() else None
        return chosen.pk if chosen else None


class StartForm(CheckedForm):
    """A chosen start time, as the ISO 8601 value the time links carry."""

    start = forms.DateTimeField(widget=forms.HiddenInput)

    def clean_start(self) -> datetime:
        start = self.cleaned_data["start"]
        if timezone.is_naive(start):
            start = timezone.make_aware(start, zone())
        return start


class CalendarDayForm(CheckedForm):
    """The day a staff calendar shows (the desk's grid, the chart's day): a bad or missing
    value falls back to today."""

    day = forms.DateField(label=_("Day"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def chosen_day(self) -> date:
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("day") or timezone.localdate()
