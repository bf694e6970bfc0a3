"""Names of amended fields as the chart's forms label them, in the reader's language
(an amendment stores the field's code name: `skin_type`, `current_ua`)."""

from __future__ import annotations

from typing import Any

from django import template

from chart.forms.consultations import AmendForm
from chart.forms.records import RecordAmendForm

register = template.Library()


@register.filter
def amended_field(name: str, amendment: Any) -> str:
    """The label of `name` in the form that amends what `amendment` belongs to."""
    form = AmendForm if hasattr(amendment, "consultation_id") else RecordAmendForm
    field = form.base_fields.get(name)
    return str(field.label) if field is not None and field.label else name
