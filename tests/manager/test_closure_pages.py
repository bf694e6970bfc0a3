"""The manager's closure pages: booked sessions on the closed days listed before "close
anyway", the sessions listed at the desk to move, errors beside the fields."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from appointments.models import Closure, Status
from clinic.roles import Role
from messaging.models import Message, MessageKind
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient, client_for
from tests.desk.test_closed_days import _hidden

pytestmark = [pytest.mark.django_db, at_clinic_now]


def closure_form(first: int = 5, last: int = 7, reason: str = "New Year") -> dict:
    return {
        "start_date": days_ahead(first).isoformat(),
        "end_date": days_ahead(last).isoformat(),
        "reason": reason,
    }


def test_the_manager_adds_a_closure_without_bookings(clinic, manager):
    response = manager.post("/manager/closures/new/", closure_form())
    assert response.status_code == 302 and response["Location"] == "/manager/closures/"
    assert Closure.objects.get().reason == "New Year"
    assert "New Year" in manager.get("/manager/closures/").content.decode()


def test_booked_sessions_are_listed_and_close_anyway_tells_the_patients(clinic, manager):
    p = cleared_patient(first_name="Olena", last_name="Koval")
    a = book(p, clinic.face, local(days_ahead(6), 11))
    response = manager.post("/manager/closures/new/", closure_form())
    page = response.content.decode()
    assert response.status_code == 409
    assert "1 booked session falls on these days" in page and "Olena Koval" in page
    assert "Please correct the errors below." not in page  # nothing is wrong with the form
    assert 'name="close_anyway" value="on"' in page
    assert not Closure.objects.exists()
    response = manager.post("/manager/closures/new/", {**closure_form(), "close_anyway": "on"})
    assert response["Location"] == f"/manager/closures/{Closure.objects.get().pk}/"
    assert Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE, appointment=a).exists()
    for url in (response["Location"], "/manager/closures/", "/desk/closed-days/"):
        listing = manager.get(url).content.decode()
        assert "Olena Koval" in listing, url
        assert f"/desk/appointments/{a.pk}/move/?day={days_ahead(8).isoformat()}" in listing


def test_the_desk_lists_the_sessions_to_move_for_reception(clinic, manager, reception):
    a = book(cleared_patient(first_name="Iryna"), clinic.face, local(days_ahead(6), 11))
    manager.post("/manager/closures/new/", {**closure_form(), "close_anyway": "on"})
    page = reception.get("/desk/closed-days/").content.decode()
    assert "Iryna" in page and f"/desk/appointments/{a.pk}/move/" in page


def test_end_before_start_is_a_message_beside_the_field(clinic, manager):
    response = manager.post("/manager/closures/new/", closure_form(first=7, last=5))
    page = response.content.decode()
    assert response.status_code == 400
    assert "The last day cannot be before the first day." in page
    assert "closure_dates_ordered" not in page and "Constraint" not in page
    assert not Closure.objects.exists()


def test_a_closure_is_changed_and_removed(clinic, manager):
    manager.post("/manager/closures/new/", closure_form())
    closure = Closure.objects.get()
    response = manager.post(f"/manager/closures/{closure.pk}/", closure_form(reason="Repairs"))
    assert response.status_code == 302
    closure.refresh_from_db()
    assert closure.reason == "Repairs"
    assert manager.post(f"/manager/closures/{closure.pk}/delete/").status_code == 302
    assert not Closure.objects.exists()


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.DERMATOLOGIST, Role.PATIENT])
def test_only_the_manager_reaches_the_settings(clinic, role):
    client = client_for(role)
    for url in ("/manager/", "/manager/closures/", "/manager/closures/new/"):
        assert client.get(url).status_code == 403
    assert client.post("/manager/closures/new/", closure_form()).status_code == 403
    assert not Closure.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(clinic):
    from django.test import Client

    response = Client().get("/manager/closures/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_saves_closures_through_the_same_service(clinic):
    from django.test import Client

    from tests.factories import login_staff, staff

    admin = Client()
    login_staff(admin, staff(Role.MANAGER, is_staff=True))
    a = book(cleared_patient(first_name="Oksana"), clinic.face, local(days_ahead(6), 11))
    url = "/admin/appointments/closure/add/"
    page = admin.post(url, closure_form(first=7, last=5)).content.decode()
    assert "The last day cannot be before the first day." in page
    assert "closure_dates_ordered" not in page
    page = admin.post(url, closure_form()).content.decode()
    assert "Booked on these days:" in page and "Oksana" in page
    assert not Closure.objects.exists()
    assert admin.post(url, {**closure_form(), "close_anyway": "on"}).status_code == 302
    assert Message.objects.filter(kind=MessageKind.CLOSURE_NOTICE, appointment=a).exists()


def test_a_manager_without_the_second_factor_is_turned_away(clinic):
    from django.test import Client

    from tests.factories import staff

    client = Client()
    client.force_login(staff(Role.MANAGER))  # password only: no second factor in the session
    response = client.get("/manager/closures/")
    assert response.status_code == 302 and "/manager/" not in response["Location"]


def _closed_over(clinic, manager, last_name: str = "Stranded"):
    """A session two days into a closure the manager saved with "close anyway"."""
    a = book(cleared_patient(last_name=last_name), clinic.face, local(days_ahead(6), 11))
    manager.post("/manager/closures/new/", {**closure_form(), "close_anyway": "on"})
    return a, Closure.objects.get()


def test_the_closure_page_moves_a_session_to_the_proposed_time_in_one_click(clinic, manager):
    a, closure = _closed_over(clinic, manager)
    here = f"/manager/closures/{closure.pk}/"
    page = manager.get(here).content.decode()
    assert "Stranded" in page and "Move to the proposed time" in page
    action = f"/desk/appointments/{a.pk}/move/"
    data = {name: _hidden(page, action, name) for name in ("slot", "reason", "next")}
    assert data["next"] == here
    proposed = timezone.localtime(datetime.fromisoformat(data["slot"].split("|")[0]))
    assert proposed.date() == days_ahead(8) and proposed.hour == 11  # first day after
    moved = manager.post(action, data)
    assert moved.status_code == 302 and moved["Location"] == here
    a.refresh_from_db()
    assert a.status == Status.BOOKED and timezone.localtime(a.start) == proposed
    assert a.status_reason == "The clinic is closed on this day."
    after = manager.get(here).content.decode()
    assert "Moved to" in after and "Move to the proposed time" not in after


def test_the_closures_list_cancels_a_session_and_tells_the_patient(clinic, manager):
    a, _closure = _closed_over(clinic, manager)
    page = manager.get("/manager/closures/").content.decode()
    action = f"/desk/appointments/{a.pk}/cancel/"
    data = {name: _hidden(page, action, name) for name in ("reason_id", "reason", "next")}
    assert data["next"] == "/manager/closures/"
    done = manager.post(action, data)
    assert done.status_code == 302 and done["Location"] == "/manager/closures/"
    a.refresh_from_db()
    assert a.status == Status.CANCELLED and a.cancel_reason.code == "clinic"
    assert Message.objects.filter(kind=MessageKind.CANCELLATION, appointment=a).exists()
    assert "Cancel and tell the patient" not in manager.get("/manager/closures/").content.decode()


def test_a_closure_without_bookings_offers_no_session_actions(clinic, manager):
    manager.post("/manager/closures/new/", closure_form())
    closure = Closure.objects.get()
    for url in ("/manager/closures/", f"/manager/closures/{closure.pk}/"):
        page = manager.get(url).content.decode()
        assert "Move to the proposed time" not in page and "closure-sessions" not in page


def test_the_closure_page_lists_only_its_own_sessions(clinic, manager):
    a, closure = _closed_over(clinic, manager, last_name="Inside")
    other = book(cleared_patient(last_name="Elsewhere"), clinic.face, local(days_ahead(10), 11))
    manager.post("/manager/closures/new/", {**closure_form(10, 10, "Audit"), "close_anyway": "on"})
    page = manager.get(f"/manager/closures/{closure.pk}/").content.decode()
    assert f"/desk/appointments/{a.pk}/move/" in page
    assert f"/desk/appointments/{other.pk}/move/" not in page
    listing = manager.get("/manager/closures/").content.decode()
    assert "Inside" in listing and "Elsewhere" in listing
