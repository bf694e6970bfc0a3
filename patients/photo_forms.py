"""Forms of the photo pages: upload (chart and desk), compare, and photo consent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.forms import CheckedForm
from patients.models import Patient, PhotoPurpose, Pose
from patients.photo_selectors import photo_sessions


def session_label(appointment: Any) -> str:
    start = localtime(appointment.start)
    when = f"{date_format(start, 'DATE_FORMAT')} {start:%H:%M}"
    return f"{when} · {gettext(appointment.treatment.name)}"


class PhotoUploadForm(CheckedForm):
    appointment = forms.TypedChoiceField(label=_("Session"), coerce=int)
    pose = forms.ChoiceField(label=_("Pose"), choices=Pose.choices)
    image = forms.FileField(
        label=_("Photo"),
        help_text=_("Take it with the camera or choose a JPEG, PNG or HEIC file."),
        # `capture` opens the camera on a phone or tablet; a computer offers a file.
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sessions = [(a.pk, session_label(a)) for a in photo_sessions(patient)]
        self.fields["appointment"].choices = sessions
        if sessions and not self.is_bound:
            self.initial.setdefault("appointment", sessions[0][0])


class PhotoCompareForm(forms.Form):
    pose = forms.ChoiceField(label=_("Pose"), choices=Pose.choices, required=False)
    before = forms.IntegerField(label=_("Before"), required=False, min_value=1)
    after = forms.IntegerField(label=_("After"), required=False, min_value=1)

    def choice(self, default_pose: str | None) -> tuple[str | None, int | None, int | None]:
        if not self.is_valid():
            return default_pose, None, None
        data = self.cleaned_data
        return data["pose"] or default_pose, data["before"], data["after"]


class PhotoConsentForm(CheckedForm):
    purposes = forms.MultipleChoiceField(
        label=_("My photos may be used for"),
        choices=PhotoPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each is asked separately from the treatment consent, and you may withdraw "
            "any of them at any time."
        ),
    )
