"""The manager marks a draft form version as due before visits in the admin; a treatment
chosen for the wrong case (or missing) is refused in plain words, nothing saved."""

from __future__ import annotations

import pytest

from clinic.roles import Role
from patients.models import DueBefore, Form, FormVersion
from tests.desk.helpers import client_for
from treatments.models import Treatment

pytestmark = pytest.mark.django_db


def _post(manager, draft, **fields):
    data = {
        "form": draft.form_id,
        "number": draft.number,
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        **fields,
    }
    return manager.post(f"/admin/patients/formversion/{draft.pk}/change/", data)


def test_the_manager_marks_a_draft_due_before_a_treatment():
    manager = client_for(Role.MANAGER, is_staff=True)
    draft = FormVersion.objects.create(form=Form.objects.create(slug="p", title="P"), number=1)
    face = Treatment.objects.get(slug="microcurrent-therapy-face")
    refused = _post(manager, draft, due_before=DueBefore.TREATMENT, due_treatment="")
    assert refused.status_code == 200
    assert "Choose a treatment exactly when" in refused.content.decode()
    draft.refresh_from_db()
    assert draft.due_before == DueBefore.NONE
    done = _post(manager, draft, due_before=DueBefore.TREATMENT, due_treatment=face.pk)
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.due_before, draft.due_treatment) == (DueBefore.TREATMENT, face)
