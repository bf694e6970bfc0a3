"""Sessions stranded by a closure, on /desk/closed-days/: each shows the nearest free time
after the closure (its practitioner first, the same time of day) and moves there in one
click through the move service, or is cancelled with the reason "clinic closed" and the
cancellation notice to the patient (the outbox)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from appointments.models import Appointment, Closure, Status
from appointments.services.closures import ClosureInput, closure_save
from clinic.audit import Actor
from clinic.roles import Role
from messaging.models import Message, MessageKind
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]
URL = "/desk/closed-days/"


def _close(day, days: int = 1) -> None:
    data = ClosureInput(day, day + timedelta(days=days - 1), "Staff training")
    closure_save(actor=Actor(user=staff(Role.MANAGER)), data=data, close_anyway=True)


def _hidden(page: str, action: str, name: str) -> str:
    form = re.search(rf'<form method="post" action="{action}".*?</form>', page, re.S)
    assert form, f"a one-click form posting to {action}"
    return re.search(rf'name="{name}" value="([^"]*)"', form.group(0)).group(1)


def _stranded(clinic) -> Appointment:
    doctor = clinic.practitioners[1]
    a = book(
        cleared_patient(last_name="Stranded"),
        clinic.face,
        local(days_ahead(3), 11),
        practitioner_id=doctor.pk,
    )
    _close(days_ahead(3), days=2)
    return a


def test_each_session_shows_the_nearest_free_time_after_the_closure(clinic, reception):
    a = _stranded(clinic)
    page = reception.get(URL).content.decode()
    assert "Stranded" in page and "Staff training" in page
    slot = _hidden(page, f"/desk/appointments/{a.pk}/move/", "slot")
    start = timezone.localtime(datetime.fromisoformat(slot.split("|")[0]))
    assert (start.date(), start.hour, start.minute) == (days_ahead(5), 11, 0)
    assert slot.endswith(f"|{clinic.practitioners[1].pk}")  # its own practitioner first


def test_one_click_moves_the_session_and_comes_back_to_the_list(clinic, reception):
    a = _stranded(clinic)
    page = reception.get(URL).content.decode()
    action = f"/desk/appointments/{a.pk}/move/"
    data = {name: _hidden(page, action, name) for name in ("slot", "reason", "next")}
    moved = reception.post(action, data)
    assert moved.status_code == 302 and moved["Location"] == URL
    a.refresh_from_db()
    assert a.status == Status.BOOKED and a.start == local(days_ahead(5), 11)
    assert a.status_reason == "The clinic is closed on this day."
    assert "No session is booked on a closed day." in reception.get(URL).content.decode()


def test_cancelling_tells_the_patient_and_counts_as_clinic_closed(clinic, reception):
    a = _stranded(clinic)
    page = reception.get(URL).content.decode()
    action = f"/desk/appointments/{a.pk}/cancel/"
    data = {name: _hidden(page, action, name) for name in ("reason_id", "reason", "next")}
    done = reception.post(action, data)
    assert done.status_code == 302 and done["Location"] == URL
    a.refresh_from_db()
    assert a.status == Status.CANCELLED and a.cancel_reason.code == "clinic"
    notice = Message.objects.get(kind=MessageKind.CANCELLATION, appointment=a)
    assert notice.patient_id == a.patient_id


def test_the_manager_lands_on_the_sessions_to_move_after_closing_anyway(clinic, manager):
    a = book(cleared_patient(last_name="Stranded"), clinic.face, local(days_ahead(3), 11))
    form = {
        "start_date": days_ahead(3).isoformat(),
        "end_date": days_ahead(3).isoformat(),
        "reason": "Staff training",
    }
    listed = manager.post("/manager/closures/new/", form)
    assert listed.status_code == 409 and "Stranded" in listed.content.decode()
    closed = manager.post("/manager/closures/new/", form | {"close_anyway": "on"}, follow=True)
    page = closed.content.decode()
    # The closure's own page, with the same rows as here (tests/manager/test_closure_pages).
    assert closed.redirect_chain[-1][0] == f"/manager/closures/{Closure.objects.get().pk}/"
    assert f'action="/desk/appointments/{a.pk}/move/"' in page
    assert "Cancel and tell the patient" in page
