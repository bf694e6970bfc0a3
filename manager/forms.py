"""The settings forms: labels in the clinic's languages, errors beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from appointments.services.closures import REASON_MAX, ClosureInput
from clinic.forms import CheckedForm
from patients.forms import DateInput


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
