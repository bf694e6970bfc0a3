"""The staff page's filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clinic.forms import CheckedForm
from messaging.models import MessageChannel, MessageKind, MessageStatus


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
