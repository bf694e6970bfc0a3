"""The manager's settings pages: hours, policy (reminders in hours and days), rooms,
devices and outages, practitioners (dermatologists' staff logins only), cancel reasons.
Every change goes through the appointments services and moves the calendar version."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import translation

from appointments.calendar import calendar_config
from appointments.models import (
    CalendarVersion,
    CancelReason,
    ClinicPolicy,
    Device,
    DeviceOutage,
    OpeningHours,
    Practitioner,
    Room,
)
from clinic.roles import Role
from tests.appointments.clinic_setup import at_clinic_now, days_ahead
from tests.desk.helpers import client_for
from tests.factories import staff

pytestmark = [pytest.mark.django_db, at_clinic_now]


def version() -> int:
    return CalendarVersion.objects.get(pk=1).version


def week_form(**days: tuple[str, str]) -> dict:
    """Every weekday 09:00-18:00 unless given ("", "") closes it."""
    form = {}
    for day in range(7):
        opens, closes = days.get(f"d{day}", ("09:00", "18:00"))
        form[f"open_{day}"], form[f"close_{day}"] = opens, closes
    return form


def test_opening_hours_are_set_per_weekday_and_the_calendar_sees_them(clinic, manager):
    page = manager.get("/manager/hours/").content.decode()
    assert "Monday" in page and "Sunday" in page
    before = version()
    response = manager.post("/manager/hours/", week_form(d0=("10:00", "19:00"), d6=("", "")))
    assert response.status_code == 302
    assert version() != before
    assert calendar_config().opening[0] == [(time(10), time(19))]
    assert 6 not in calendar_config().opening
    assert not OpeningHours.objects.filter(weekday=6).exists()


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (("18:00", "09:00"), "Closing time must be after opening time."),
        (("09:00", ""), "Give both times, or neither for a closed day."),
    ],
)
def test_bad_opening_hours_are_shown_beside_the_day(clinic, manager, day, words):
    before = list(OpeningHours.objects.values_list("weekday", "start", "end"))
    response = manager.post("/manager/hours/", week_form(d2=day))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert list(OpeningHours.objects.values_list("weekday", "start", "end")) == before


def policy_form(**changes) -> dict:
    form = {
        "patient_min_notice_minutes": "120",
        "booking_horizon_days": "90",
        "patient_cancel_cutoff_hours": "24",
        "reminder_offsets_minutes": ["1440", "120"],
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "device_buffer_minutes": "10",
        "slot_step_minutes": "15",
        "waitlist_offer_minutes": "120",
        "check_in_opens_minutes": "30",
    }
    form.update(changes)
    return form


def test_reminders_are_chosen_as_days_and_hours_not_minutes(clinic, manager):
    page = manager.get("/manager/policy/").content.decode()
    assert "1 day before" in page and "2 hours before" in page and "7 days before" in page
    assert "1440," not in page
    response = manager.post(
        "/manager/policy/",
        policy_form(reminder_offsets_minutes=["2880", "180"], booking_horizon_days="30"),
    )
    assert response.status_code == 302
    policy = calendar_config().policy
    assert (policy.reminder_offsets_minutes, policy.booking_horizon_days) == ([2880, 180], 30)


def test_the_policy_page_in_ukrainian(clinic, manager):
    with translation.override("en"):  # the request's language must not stay on this thread
        page = manager.get("/manager/policy/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "Нагадування" in page and "за 1 день" in page and "за 2 години" in page


@pytest.mark.parametrize(
    ("change", "field_words"),
    [
        ({"quiet_hours_end": "21:00"}, "Quiet hours must end at another time."),
        ({"booking_horizon_days": "0"}, "greater than or equal to 1"),
        ({"slot_step_minutes": "7"}, "Select a valid choice"),
        ({"reminder_offsets_minutes": ["99"]}, "Select a valid choice"),
    ],
)
def test_a_bad_policy_is_refused_beside_the_field(clinic, manager, change, field_words):
    before = version()
    response = manager.post("/manager/policy/", policy_form(**change))
    assert response.status_code == 400
    assert field_words in response.content.decode()
    assert version() == before
    assert ClinicPolicy.objects.get(pk=1).reminder_offsets_minutes == [1440, 120]


def test_rooms_are_added_renamed_and_names_stay_unique(clinic, manager):
    before = version()
    assert (
        manager.post("/manager/rooms/new/", {"name": "Blue room", "is_active": "on"}).status_code
        == 302
    )
    assert version() != before
    room = Room.objects.get(name="Blue room")
    taken = manager.post("/manager/rooms/new/", {"name": "blue ROOM", "is_active": "on"})
    assert taken.status_code == 400 and "is taken: choose another name" in taken.content.decode()
    assert manager.post(f"/manager/rooms/{room.pk}/", {"name": "Green room"}).status_code == 302
    room.refresh_from_db()
    assert (room.name, room.is_active) == ("Green room", False)


def test_devices_and_their_outages(clinic, manager):
    assert (
        manager.post(
            "/manager/devices/new/", {"name": "MC-9", "serial_number": "SN1", "is_active": "on"}
        ).status_code
        == 302
    )
    device = Device.objects.get(name="MC-9")
    url = f"/manager/devices/{device.pk}/outages/new/"
    day = days_ahead(4).isoformat()
    outage = {"start": f"{day}T09:00", "end": f"{day}T13:00", "reason": "Calibration"}
    assert manager.post(url, outage).status_code == 302
    assert DeviceOutage.objects.get(device=device).reason == "Calibration"
    overlap = manager.post(url, {**outage, "start": f"{day}T12:00", "end": f"{day}T14:00"})
    assert overlap.status_code == 400
    assert "overlaps another outage" in overlap.content.decode()
    backwards = manager.post(url, {**outage, "start": f"{day}T15:00", "end": f"{day}T14:00"})
    assert "The end must be after the start." in backwards.content.decode()
    assert "Calibration" in manager.get("/manager/resources/").content.decode()
    removed = manager.post(f"/manager/outages/{DeviceOutage.objects.get().pk}/delete/")
    assert removed.status_code == 302 and not DeviceOutage.objects.exists()


def test_only_dermatologists_logins_are_offered_as_practitioners(clinic, manager):
    derm = staff(Role.DERMATOLOGIST, username="dr-new", first_name="Iryna", last_name="Shevchuk")
    patient_login = staff(Role.PATIENT, username="patient-login")
    reception_login = staff(Role.RECEPTION, username="desk-login")
    page = manager.get("/manager/practitioners/new/").content.decode()
    assert "dr-new" in page
    assert "patient-login" not in page and "desk-login" not in page
    taken = clinic.practitioners[0].user.username
    assert taken not in page  # already a practitioner
    for wrong in (patient_login, reception_login):
        response = manager.post(
            "/manager/practitioners/new/",
            {"user": wrong.pk, "display_name": "Dr X"},
        )
        assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = manager.post(
        "/manager/practitioners/new/",
        {
            "user": derm.pk,
            "display_name": "Dr Shevchuk",
            "treatments": [clinic.face.pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    p = Practitioner.objects.get(user=derm)
    assert calendar_config().practitioners[p.pk].name == "Dr Shevchuk"


def test_cancel_reasons_are_edited_and_switched_off(clinic, manager, reception):
    response = manager.post(
        "/manager/cancel-reasons/new/",
        {"label_en": "Weather", "label_uk": "Погода", "is_active": "on", "position": "5"},
    )
    assert response.status_code == 302
    weather = CancelReason.objects.get(label_en="Weather")
    assert weather.code == "weather"
    page = manager.get("/manager/cancel-reasons/").content.decode()
    assert "Weather" in page and "Погода" in page and "Illness" in page
    empty = manager.post(
        f"/manager/cancel-reasons/{weather.pk}/", {"label_en": " ", "position": "5"}
    )
    assert empty.status_code == 400
    assert (
        manager.post(
            f"/manager/cancel-reasons/{weather.pk}/", {"label_en": "Weather", "position": "5"}
        ).status_code
        == 302
    )
    weather.refresh_from_db()
    assert not weather.is_active
    assert not any(r["code"] == "weather" for r in reception_api_reasons())


def reception_api_reasons() -> list[dict]:
    from tests.factories import token_api

    return token_api(staff(Role.RECEPTION)).get("/api/cancel-reasons/").json()


URLS = [
    "/manager/",
    "/manager/hours/",
    "/manager/policy/",
    "/manager/closures/",
    "/manager/resources/",
    "/manager/rooms/new/",
    "/manager/devices/new/",
    "/manager/practitioners/",
    "/manager/practitioners/new/",
    "/manager/practitioners/{doctor}/hours/",
    "/manager/practitioners/{doctor}/time-off/new/",
    "/manager/cancel-reasons/",
    "/manager/cancel-reasons/new/",
]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.DERMATOLOGIST, Role.PATIENT])
def test_every_settings_page_is_the_managers_only(clinic, role):
    client = client_for(role)
    before = version()
    for url in [u.format(doctor=clinic.practitioners[0].pk) for u in URLS]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x"}).status_code == 403, url
    assert version() == before


def test_every_settings_page_opens_for_the_manager(clinic, manager):
    for url in [u.format(doctor=clinic.practitioners[0].pk) for u in URLS]:
        assert manager.get(url).status_code == 200, url


def test_shorter_hours_over_a_booked_session_list_it_and_need_change_anyway(clinic, manager):
    from tests.appointments.clinic_setup import local
    from tests.desk.helpers import book, cleared_patient

    day = days_ahead(3)
    a = book(cleared_patient(first_name="Marta"), clinic.face, local(day, 16))
    form = week_form(**{f"d{day.weekday()}": ("09:00", "14:00")})
    response = manager.post("/manager/hours/", form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "1 booked session falls outside these hours" in page and "Marta" in page
    assert 'name="change_anyway" value="on"' in page
    assert calendar_config().opening[day.weekday()] == [(time(7), time(21))]  # unchanged
    assert manager.post("/manager/hours/", {**form, "change_anyway": "on"}).status_code == 302
    assert calendar_config().opening[day.weekday()] == [(time(9), time(14))]
    a.refresh_from_db()
    assert a.status == "booked"  # reception moves it


def test_a_practitioners_week_and_time_off(clinic, manager):
    from appointments.models import WorkingException

    doctor = clinic.practitioners[0]
    url = f"/manager/practitioners/{doctor.pk}/hours/"
    assert "Working hours of Dr 0" in manager.get(url).content.decode()
    response = manager.post(url, week_form(d0=("12:00", "16:00"), d6=("", "")))
    assert response.status_code == 302
    weekly = calendar_config().practitioners[doctor.pk].weekly
    assert weekly[0] == [(time(12), time(16))] and 6 not in weekly
    bad = manager.post(url, week_form(d1=("16:00", "12:00")))
    assert (
        bad.status_code == 400
        and "Closing time must be after opening time." in bad.content.decode()
    )

    off = f"/manager/practitioners/{doctor.pk}/time-off/new/"
    day = days_ahead(4).isoformat()
    half = manager.post(off, {"day": day, "start": "09:00", "reason": "Dentist"})
    assert half.status_code == 400
    assert "Give both times, or neither for the whole day." in half.content.decode()
    assert manager.post(off, {"day": day, "reason": "Conference"}).status_code == 302
    x = WorkingException.objects.get(practitioner=doctor)
    assert x.whole_day and x.reason == "Conference"
    assert "Conference" in manager.get(url).content.decode()
    assert manager.post(f"/manager/time-off/{x.pk}/delete/").status_code == 302
    assert not WorkingException.objects.exists()


def test_the_list_pages_cost_the_same_queries_however_many_rows(clinic, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from appointments.services.closures import ClosureInput, closure_save
    from clinic.audit import Actor
    from tests.appointments.clinic_setup import local
    from tests.desk.helpers import book, cleared_patient

    def fill(n: int, day: int) -> None:
        """n more rooms, practitioners, devices with an outage, and sessions on a day that
        is then closed."""
        for i in range(n):
            Room.objects.create(name=f"Extra {day}-{i}")
            extra = Practitioner.objects.create(
                user=staff(Role.DERMATOLOGIST), display_name=f"Dr extra {day}-{i}"
            )
            extra.treatments.set([clinic.face])
            device = Device.objects.create(name=f"MC-extra-{day}-{i}")
            when = days_ahead(20 + day + i).isoformat()
            manager.post(
                f"/manager/devices/{device.pk}/outages/new/",
                {"start": f"{when}T09:00", "end": f"{when}T10:00", "reason": "Service"},
            )
            book(cleared_patient(), clinic.face, local(days_ahead(day), 9 + 2 * i))
        closure_save(
            actor=Actor(user=manager.user),
            data=ClosureInput(days_ahead(day), days_ahead(day), "Inventory"),
            close_anyway=True,
        )

    def counts() -> list[int]:
        out = []
        for url in ("/manager/resources/", "/manager/practitioners/", "/desk/closed-days/"):
            with CaptureQueriesContext(connection) as ctx:
                assert manager.get(url).status_code == 200
            out.append(len(ctx))
        return out

    fill(1, day=5)
    few = counts()
    fill(3, day=6)
    assert counts() == few


def test_a_practitioners_shorter_day_over_a_booking_needs_change_anyway(clinic, manager):
    from tests.appointments.clinic_setup import local
    from tests.desk.helpers import book, cleared_patient

    doctor = clinic.practitioners[0]
    day = days_ahead(3)
    book(
        cleared_patient(first_name="Nadiia"), clinic.face, local(day, 16), practitioner_id=doctor.pk
    )
    url = f"/manager/practitioners/{doctor.pk}/hours/"
    form = week_form(**{f"d{day.weekday()}": ("09:00", "13:00")})
    response = manager.post(url, form)
    assert response.status_code == 400
    assert "Nadiia" in response.content.decode()
    assert calendar_config().practitioners[doctor.pk].weekly[day.weekday()] == [(time(9), time(18))]
    other = clinic.practitioners[1]  # the other practitioner has no booking then
    assert manager.post(f"/manager/practitioners/{other.pk}/hours/", form).status_code == 302
    assert manager.post(url, {**form, "change_anyway": "on"}).status_code == 302
    assert calendar_config().practitioners[doctor.pk].weekly[day.weekday()] == [(time(9), time(13))]
