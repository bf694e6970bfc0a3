"""A patient answers a form the manager wrote (/me/forms/<slug>/): one field per question
of the current version, checked by the service (types, required, conditions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinic.audit import Actor
from clinic.errors import DomainError
from clinic.forms import CheckedForm
from clinic.pages import show_domain_error
from patients.access import patient_required
from patients.form_answers import TEXT_MAX
from patients.forms import DateInput
from patients.models import FormVersion, Patient, Question, QuestionKind
from patients.safety_form import SAFETY_FORM
from patients.services.forms import form_response_submit

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _field(question: Question, condition: str) -> forms.Field:
    # gettext: the built-in questions (the catalog's) have their Ukrainian in django.po.
    label = _(question.text)
    common: dict[str, Any] = {"label": label, "required": False, "help_text": condition}
    if question.kind == QuestionKind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.CHOICE:
        choices = [(c, c) for c in question.choices]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if question.kind == QuestionKind.NUMBER:
        return forms.FloatField(**common)
    if question.kind == QuestionKind.DATE:
        return forms.DateField(widget=DateInput(), **common)
    return forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea({"rows": 3}), **common)


class AnswersForm(CheckedForm):
    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        texts = {q.key: q.text for q in questions}
        for q in questions:
            condition = ""
            if q.show_if_key:
                condition = _("Only if you answered “%(value)s” to “%(question)s”.") % {
                    "value": q.show_if_value,
                    "question": texts.get(q.show_if_key, q.show_if_key),
                }
            self.fields[q.key] = _field(q, condition)
        self.questions = questions

    def answers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for q in self.questions:
            value = self.cleaned_data.get(q.key)
            if value in (None, ""):
                continue
            if q.kind == QuestionKind.YES_NO:
                value = value == "yes"
            elif q.kind == QuestionKind.NUMBER and float(value).is_integer():
                value = int(value)
            elif q.kind == QuestionKind.DATE:
                value = value.isoformat()
            out[q.key] = value
        return out


def _current_version(slug: str) -> FormVersion:
    version = (
        FormVersion.objects.filter(form__slug=slug, published_at__isnull=False)
        .select_related("form")
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Http404
    return version


@patient_required
def answer_form(request: HttpRequest, patient: Patient, slug: str) -> HttpResponse:
    if slug == SAFETY_FORM:
        # Its answers are screenings that clearance reads: only its own page writes them.
        return redirect("patients:questionnaire")
    version = _current_version(slug)
    questions = list(version.questions.all())
    form = AnswersForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            form_response_submit(
                actor=Actor.from_request(request),
                patient=patient,
                version=version,
                answers=form.answers(),
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you: your answers are saved."))
            return redirect("appointments:mine")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "version": version}
    return render(request, "patients/answer_form.html", context, status=status)
