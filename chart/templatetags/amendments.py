"""Amendments in words: each changed field by its form label and its values by their
choice labels, in the reader's language ("Tone, clinician: 5 → 6"), not the raw names
kept in the amendment's JSON."""

from __future__ import annotations

import functools
from typing import Any

from django import forms, template

from chart.forms.consultations import AmendForm
from chart.forms.records import SessionRecordForm

register = template.Library()


@functools.cache
def _fields() -> dict[str, forms.Field]:
    # Both kinds of record: their field names do not clash (the forms define them once).
    return {**AmendForm.base_fields, **SessionRecordForm.base_fields}


def _value(field: forms.Field | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, choices.get(str(value), value)))


@register.simple_tag
def amendment_lines(changes: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(label, from, to) for every changed field, in the order they were stored."""
    lines = []
    for name, change in changes.items():
        field = _fields().get(name)
        label = str(field.label) if field is not None else name.replace("_", " ").capitalize()
        lines.append((label, _value(field, change.get("from")), _value(field, change.get("to"))))
    return lines
