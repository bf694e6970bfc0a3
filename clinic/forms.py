"""The HTML forms' side of clinic.inputs: the same limits as the API.

Every page form derives from CheckedForm (or mixes in CheckedFormMixin), so a date outside
the clinic's window (`/desk/?day=9999-12-31` reached Python's last year and a 500) is a
form error, and a text field refuses control characters. Names add
`clinic.inputs.check_person_name` where they are declared.
"""

from __future__ import annotations

from django import forms

from clinic.inputs import check_date_in_range, check_text


def guard_field(field: forms.Field) -> None:
    """Add the validators of clinic.inputs that fit the field (once)."""
    if isinstance(field, forms.CharField):
        check = check_text
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        check = check_date_in_range
    else:
        return
    if check not in field.validators:
        field.validators.append(check)


class CheckedFormMixin:
    """Guards every field just before cleaning, so fields a form adds in its own
    __init__ (one per session of a course, say) are guarded too."""

    def full_clean(self) -> None:
        for field in self.fields.values():
            guard_field(field)
        super().full_clean()


class CheckedForm(CheckedFormMixin, forms.Form):
    pass


class BoundedDateField(forms.DateField):
    """A date inside the clinic's window (for filters that build their own fields)."""

    default_validators = [check_date_in_range]
