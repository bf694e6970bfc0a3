"""The staff page's filters, and the patient's feedback survey."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic.forms import CheckedForm
from messaging.models import SURVEY_SCORE_MAX, MessageChannel, MessageKind, MessageStatus
from messaging.surveys import COMMENT_MAX


class MessageFilterForm(CheckedForm):
    patient = forms.IntegerField(label=_("Patient id"), required=False, min_value=1)
    status = forms.MultipleChoiceField(
        label=_("Status"), choices=MessageStatus.choices, required=False
    )
    kind = forms.MultipleChoiceField(label=_("Kind"), choices=MessageKind.choices, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any")), *MessageChannel.choices], required=False
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "patient_id": data.get("patient"),
            "statuses": data.get("status") or (),
            "kinds": data.get("kind") or (),
            "channel": data.get("channel") or "",
        }


class SurveyForm(CheckedForm):
    """The survey page's two questions. The range is checked here for the page and again
    by the service (messaging.surveys.survey_answer) for any other caller."""

    score = forms.TypedChoiceField(
        label=_("How likely are you to recommend us to a friend?"),
        choices=[(n, str(n)) for n in range(SURVEY_SCORE_MAX + 1)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 0 to 10."),
            "invalid_choice": _("Choose a score from 0 to 10."),
        },
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
