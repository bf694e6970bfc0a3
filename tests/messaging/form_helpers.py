"""A form the manager publishes as due before visits (patients.form_due)."""

from __future__ import annotations

from clinic.audit import Actor
from clinic.roles import Role
from patients.models import DueBefore, Form, FormVersion, Question
from patients.services.forms import form_response_submit, form_version_publish
from tests.factories import staff


def due_form(
    slug: str = "before-microcurrent", *, due_before: str = DueBefore.DEVICE, treatment=None
) -> FormVersion:
    form = Form.objects.create(slug=slug, title=f"Form {slug}")
    version = FormVersion.objects.create(
        form=form, number=1, due_before=due_before, due_treatment=treatment
    )
    Question.objects.create(
        version=version, position=0, key="implant", text="Any implant?", kind="yes_no"
    )
    return form_version_publish(actor=Actor(user=staff(Role.MANAGER)), version=version)


def answer(patient, version: FormVersion) -> None:
    form_response_submit(
        actor=Actor(user=patient.user), patient=patient, version=version, answers={"implant": False}
    )
