"""Forms due before a visit at the desk's check-in and on the chart: staff see whether
each is answered; the chart shows the answers (audited), reception never does."""

from __future__ import annotations

import pytest

from clinic.models import AuditEvent
from clinic.roles import Role
from patients.models import FormResponse
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, booked_earlier_today, client_for
from tests.factories import consult, patient, screen
from tests.messaging.form_helpers import answer, due_form

pytestmark = [pytest.mark.django_db, at_clinic_now]


@pytest.fixture
def cleared():
    p = patient()
    screen(p)
    consult(p)
    return p


def test_check_in_shows_whether_the_due_forms_are_answered_never_the_answers(
    clinic, reception, cleared
):
    version = due_form("before-microcurrent")
    due_form("before-a-peel", due_before="treatment", treatment=clinic.consultation)
    a = booked_earlier_today(cleared, clinic.face)
    url = f"/desk/appointments/{a.pk}/check-in/"
    page = reception.get(url).content.decode()
    assert "Form before-microcurrent" in page and "not answered yet" in page
    assert "Form before-a-peel" not in page  # due before another treatment
    answer(cleared, version)
    page = reception.get(url).content.decode()
    assert "Form before-microcurrent" in page and "not answered yet" not in page
    assert 'Form before-microcurrent <span class="badge badge-ok">answered' in page
    assert "Any implant?" not in page  # the question and its answer stay in the chart


def test_the_chart_shows_the_due_forms_state_and_the_answers_audited(clinic, cleared):
    version = due_form("before-microcurrent")
    book(cleared, clinic.face, local(days_ahead(2), 10))
    derm = client_for(Role.DERMATOLOGIST)
    page = derm.get(f"/chart/patients/{cleared.pk}/").content.decode()
    assert "Forms before the next visit" in page and "not answered yet" in page
    answer(cleared, version)
    page = derm.get(f"/chart/patients/{cleared.pk}/").content.decode()
    assert "not answered yet" not in page and "Any implant?" in page
    response = FormResponse.objects.get(patient=cleared)
    assert AuditEvent.objects.filter(
        action="read", object_type="patients.formresponse", object_id=str(response.pk)
    ).exists()


def test_no_form_due_says_so(clinic, reception, cleared):
    a = booked_earlier_today(cleared, clinic.face)
    page = reception.get(f"/desk/appointments/{a.pk}/check-in/").content.decode()
    assert "No form is due before this visit." in page
