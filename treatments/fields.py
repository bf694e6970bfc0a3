"""Form fields over the catalog."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext

from treatments.models import Treatment


class TreatmentChoiceField(forms.ModelChoiceField):
    """A choice of treatment, each named in the reader's language (the seeded names are
    English in the database; their translations are in the catalogue)."""

    def label_from_instance(self, obj: Treatment) -> str:
        return gettext(obj.name)
