"""The consultation form: anamnesis, skin, the review of every contraindication, the
indications found, a treatment plan and the clearance decision; and its amendment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.errors import DomainError
from clinic.forms import CheckedForm
from clinic.pages import show_domain_error
from patients.forms import DateInput
from patients.models import Clearance, Consultation, ReviewStatus, SkinType
from patients.services import AMENDABLE_FIELDS, PlanInput, ReviewInput
from treatments.fields import TreatmentChoiceField
from treatments.models import BodyArea, Contraindication, Indication, Kind, Scope, Treatment

FITZPATRICK = [("", "—")] + [(str(n), str(n)) for n in range(1, 7)]
PLAN_FIELDS = {
    "treatment": "plan_treatment",
    "sessions": "plan_sessions",
    "sessions_per_week": "plan_per_week",
}


def _text(label: Any, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea({"rows": rows}), **kwargs
    )


class ClinicalFields(CheckedForm):
    """What a consultation and its amendment share."""

    anamnesis = _text(_("Anamnesis"), rows=4)
    skin_type = forms.ChoiceField(
        label=_("Skin type"), required=False, choices=[("", "—"), *SkinType.choices]
    )
    fitzpatrick_type = forms.TypedChoiceField(
        label=_("Fitzpatrick type"),
        required=False,
        choices=FITZPATRICK,
        coerce=int,
        empty_value=None,
    )
    skin_concerns = _text(_("Skin concerns"))
    clearance = forms.ChoiceField(
        label=_("Clearance decision"),
        required=False,
        choices=Clearance.choices,
        widget=forms.RadioSelect,
    )
    excluded_areas = forms.MultipleChoiceField(
        label=_("Excluded areas"),
        required=False,
        choices=BodyArea.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only with 'cleared with restrictions'."),
    )
    clearance_notes = _text(_("Clearance notes"), rows=2)


class ConsultationForm(ClinicalFields):
    performed_on = forms.DateField(label=_("Date of the consultation"), widget=DateInput)
    indications = forms.MultipleChoiceField(
        label=_("Indications found"), required=False, widget=forms.CheckboxSelectMultiple
    )
    plan_treatment = TreatmentChoiceField(
        label=_("Planned treatment"),
        required=False,
        queryset=Treatment.objects.filter(is_active=True, is_consultation=False),
        empty_label=_("No course planned"),
    )
    plan_sessions = forms.IntegerField(
        label=_("Sessions"), required=False, min_value=1, max_value=60
    )
    plan_per_week = forms.IntegerField(
        label=_("Sessions a week"), required=False, min_value=1, max_value=7
    )
    plan_program = forms.CharField(label=_("Program"), required=False, max_length=200)
    plan_home_care = _text(_("Home care advice"), rows=2)
    plan_preparations = forms.CharField(
        label=_("Preparations to combine"), required=False, max_length=300
    )
    record_screening = forms.BooleanField(
        label=_(
            "The patient answered the safety questions with me: record the review's answers "
            "as their questionnaire."
        ),
        required=False,
    )

    field_order = ["performed_on", "anamnesis", "skin_type", "fitzpatrick_type", "skin_concerns"]

    def __init__(self, *args: Any, contraindications: list[Contraindication], **kwargs: Any):
        kwargs.setdefault("initial", {}).setdefault("performed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.contraindications = contraindications
        self.fields["indications"].choices = [
            (i.slug, gettext(i.name)) for i in Indication.objects.order_by("source", "id")
        ]
        for c in contraindications:
            self._review_fields(c)

    def _review_fields(self, c: Contraindication) -> None:
        key = f"review_{c.slug}"
        self.fields[f"{key}_status"] = forms.ChoiceField(
            label=gettext(c.name),
            choices=ReviewStatus.choices,
            widget=forms.RadioSelect,
            error_messages={"required": _("Review this contraindication.")},
        )
        if c.scope == Scope.LOCAL:
            self.fields[f"{key}_area"] = forms.ChoiceField(
                label=_("Affected area"), required=False, choices=[("", "—"), *BodyArea.choices]
            )
        if c.kind == Kind.TEMPORARY:
            self.fields[f"{key}_review_date"] = forms.DateField(
                label=_("Review by"), required=False, widget=DateInput
            )
        self.fields[f"{key}_notes"] = forms.CharField(
            label=_("Notes"), required=False, max_length=500
        )

    def review_rows(self) -> list[dict[str, Any]]:
        """The bound fields of each contraindication, for the template."""
        rows = []
        for c in self.contraindications:
            key = f"review_{c.slug}"
            rows.append(
                {
                    "contraindication": c,
                    "fields": [
                        self[f"{key}_{part}"]
                        for part in ("status", "area", "review_date", "notes")
                        if f"{key}_{part}" in self.fields
                    ],
                }
            )
        return rows

    def with_the_rest_absent(self) -> ConsultationForm:
        """The same form, unsaved and without errors, showing what was typed and every
        contraindication not yet answered as absent: one click instead of ten, each still
        changeable before saving."""
        data = self.data
        initial: dict[str, Any] = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.MultipleChoiceField):
                initial[name] = data.getlist(name)
            elif name in data:
                initial[name] = data.get(name)
        for c in self.contraindications:
            if not initial.get(f"review_{c.slug}_status"):
                initial[f"review_{c.slug}_status"] = ReviewStatus.ABSENT
        return ConsultationForm(contraindications=self.contraindications, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("plan_treatment"):
            for name in ("plan_sessions", "plan_per_week"):
                if not data.get(name):
                    self.add_error(name, _("Give the number for the planned course."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {name: data[name] for name in ("performed_on", *AMENDABLE_FIELDS)}
        values["reviews"] = [self._review(c) for c in self.contraindications]
        values["indications"] = list(data["indications"])
        values["plans"] = []
        if data.get("plan_treatment"):
            values["plans"] = [
                PlanInput(
                    treatment=data["plan_treatment"],
                    sessions=data["plan_sessions"],
                    sessions_per_week=data["plan_per_week"],
                    program=data["plan_program"],
                    home_care=data["plan_home_care"],
                    preparations=data["plan_preparations"],
                )
            ]
        return values

    def _review(self, c: Contraindication) -> ReviewInput:
        key, data = f"review_{c.slug}", self.cleaned_data
        return ReviewInput(
            contraindication=c.slug,
            status=data[f"{key}_status"],
            area=data.get(f"{key}_area") or "",
            review_date=data.get(f"{key}_review_date"),
            notes=data.get(f"{key}_notes") or "",
        )

    def show_error(self, exc: DomainError) -> None:
        """The service names fields as the API does ("reviews[3].area", "plans[0].sessions"):
        put each message beside the field of this form it belongs to."""
        renamed: dict[str, list[str]] = {}
        for name, messages in exc.fields.items():
            renamed.setdefault(self._form_field(name), []).extend(messages)
        show_domain_error(self, DomainError(exc.message, code=exc.code, fields=renamed))

    def _form_field(self, name: str) -> str:
        if name.startswith("reviews[") and "]." in name:
            index, part = name[8:].split("].", 1)
            slug = self.contraindications[int(index)].slug
            part = "status" if part == "contraindication" else part
            return f"review_{slug}_{part}"
        if name.startswith("plans[") and "]." in name:
            return PLAN_FIELDS.get(name.split("].", 1)[1], "plan_treatment")
        return "plan_treatment" if name == "plans" else name


def initial_from(consultation: Consultation) -> dict[str, Any]:
    """The form's values for an existing draft."""
    initial: dict[str, Any] = {
        name: getattr(consultation, name) for name in ("performed_on", *AMENDABLE_FIELDS)
    }
    initial["indications"] = [i.slug for i in consultation.indications.all()]
    for r in consultation.reviews.all():
        key = f"review_{r.contraindication.slug}"
        initial.update(
            {
                f"{key}_status": r.status,
                f"{key}_area": r.area,
                f"{key}_review_date": r.review_date,
                f"{key}_notes": r.notes,
            }
        )
    plan = next(iter(consultation.plans.all()), None)
    if plan is not None:
        initial.update(
            plan_treatment=plan.treatment_id,
            plan_sessions=plan.sessions,
            plan_per_week=plan.sessions_per_week,
            plan_program=plan.program,
            plan_home_care=plan.home_care,
            plan_preparations=plan.preparations,
        )
    return initial


class AmendForm(ClinicalFields):
    """Correct a signed consultation: say why, change what was wrong."""

    reason = forms.CharField(
        label=_("Reason for the amendment"), widget=forms.Textarea({"rows": 2})
    )

    field_order = ["reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clearance"].required = True

    def changes(self, consultation: Consultation) -> dict[str, Any]:
        """Only the values that differ from the record."""
        return {
            name: self.cleaned_data[name]
            for name in AMENDABLE_FIELDS
            if self.cleaned_data[name] != getattr(consultation, name)
        }

    def has_changes(self, consultation: Consultation) -> bool:
        if self.changes(consultation):
            return True
        self.add_error(None, gettext("The amendment changes nothing."))
        return False


def amend_initial(consultation: Consultation) -> dict[str, Any]:
    return {name: getattr(consultation, name) for name in AMENDABLE_FIELDS}
