"""The session record form: device parameters with the current limits beside them, the
skin's response and the outcome scores; and its amendment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appointments.models import SessionRecord, Waveform
from chart.services import EDITABLE
from clinic.forms import CheckedForm
from treatments.models import MICROCURRENT_HARD_LIMIT_UA, BodyArea, Treatment

SCORE_FIELDS = (
    ("tone_clinician", _("Tone, clinician")),
    ("puffiness_clinician", _("Puffiness, clinician")),
    ("elasticity_clinician", _("Elasticity, clinician")),
    ("tone_patient", _("Tone, patient")),
    ("puffiness_patient", _("Puffiness, patient")),
    ("elasticity_patient", _("Elasticity, patient")),
)


def _score(label: Any) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=10)


class SessionRecordForm(CheckedForm):
    current_ua = forms.IntegerField(label=_("Current (µA)"), min_value=1)
    current_justification = forms.CharField(
        label=_("Why above the recommended current"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    frequency_hz = forms.DecimalField(label=_("Frequency (Hz)"), max_digits=7, decimal_places=2)
    waveform = forms.ChoiceField(label=_("Waveform"), choices=Waveform.choices)
    program = forms.CharField(label=_("Program"), required=False, max_length=200)
    areas = forms.MultipleChoiceField(
        label=_("Areas treated"), choices=BodyArea.choices, widget=forms.CheckboxSelectMultiple
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=1, max_value=240)
    conductive_gel = forms.CharField(label=_("Conductive gel"), required=False, max_length=200)
    preparations = forms.CharField(label=_("Preparations used"), required=False, max_length=300)
    skin_response = forms.CharField(
        label=_("Skin response"), required=False, widget=forms.Textarea({"rows": 2})
    )
    tone_clinician = _score(SCORE_FIELDS[0][1])
    puffiness_clinician = _score(SCORE_FIELDS[1][1])
    elasticity_clinician = _score(SCORE_FIELDS[2][1])
    tone_patient = _score(SCORE_FIELDS[3][1])
    puffiness_patient = _score(SCORE_FIELDS[4][1])
    elasticity_patient = _score(SCORE_FIELDS[5][1])
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, treatment: Treatment, **kwargs: Any) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("areas", [treatment.body_area] if treatment.body_area else [])
        initial.setdefault("duration_minutes", treatment.session_minutes)
        super().__init__(*args, **kwargs)
        self.fields["current_ua"].help_text = _(
            "Up to %(max)s µA is recommended for this treatment; above it, write why. "
            "%(hard)s µA and above is refused: outside microcurrent therapy."
        ) % {"max": treatment.recommended_max_current_ua, "hard": MICROCURRENT_HARD_LIMIT_UA}
        self.fields["frequency_hz"].help_text = _("%(lo)s to %(hi)s Hz.") % {
            "lo": treatment.min_frequency_hz,
            "hi": treatment.max_frequency_hz,
        }

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in EDITABLE if name in self.cleaned_data}

    def score_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _label in SCORE_FIELDS]


def record_initial(record: SessionRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in EDITABLE}


class RecordAmendForm(SessionRecordForm):
    reason = forms.CharField(
        label=_("Reason for the amendment"), widget=forms.Textarea({"rows": 2})
    )

    field_order = ["reason"]

    def changes(self, record: SessionRecord) -> dict[str, Any]:
        """Only the values that differ from the record."""
        return {k: v for k, v in self.values().items() if getattr(record, k) != v}

    def has_changes(self, record: SessionRecord) -> bool:
        if self.changes(record):
            return True
        self.add_error(None, gettext("The amendment changes nothing."))
        return False
