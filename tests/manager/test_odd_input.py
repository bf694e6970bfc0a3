"""Odd input on the settings pages: dates outside the clinic's window and control
characters are form errors beside the field, never a 500 and never half-saved."""

from __future__ import annotations

import pytest

from appointments.models import CancelReason, Closure, Device, DeviceOutage, Room
from tests.appointments.clinic_setup import at_clinic_now, days_ahead

pytestmark = [pytest.mark.django_db, at_clinic_now]

WINDOW_MESSAGE = "Give a date from 1900-01-01 to 2100-12-31."


@pytest.mark.parametrize("far", ["9999-12-31", "0001-01-01"])
def test_a_closure_outside_the_window_is_refused_beside_the_field(clinic, manager, far):
    form = {"start_date": far, "end_date": days_ahead(5).isoformat(), "reason": "Far"}
    response = manager.post("/manager/closures/new/", form)
    assert response.status_code == 400
    assert WINDOW_MESSAGE in response.content.decode()
    assert not Closure.objects.exists()


def test_an_outage_outside_the_window_is_refused(clinic, manager):
    device = Device.objects.first()
    form = {"start": "9999-12-31T10:00", "end": "9999-12-31T11:00", "reason": "Far"}
    response = manager.post(f"/manager/devices/{device.pk}/outages/new/", form)
    assert response.status_code == 400
    assert not DeviceOutage.objects.exists()


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/manager/rooms/new/", {"name": "Room\x00A"}),
        ("/manager/cancel-reasons/new/", {"label_en": "Bad\x07", "position": "1"}),
        (
            "/manager/closures/new/",
            {"start_date": "2026-06-20", "end_date": "2026-06-21", "reason": "x\x1b"},
        ),
    ],
)
def test_control_characters_are_refused(clinic, manager, url, form):
    rooms, reasons = Room.objects.count(), CancelReason.objects.count()
    response = manager.post(url, form)
    assert response.status_code == 400
    assert (Room.objects.count(), CancelReason.objects.count()) == (rooms, reasons)
    assert not Closure.objects.exists()


def test_an_unknown_row_is_a_404(clinic, manager):
    for url in ("/manager/closures/999999/", "/manager/rooms/999999/", "/manager/devices/999999/"):
        assert manager.get(url).status_code == 404
    assert manager.post("/manager/outages/999999/delete/").status_code == 404
