"""One date and time format per language, set once (clinic/formats): day first and a
24-hour clock in English and Ukrainian, in templates, Python and the patient's pages."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from appointments.calendar import zone
from appointments.services import appointment_book
from clinic.audit import Actor
from tests.appointments.clinic_setup import at_clinic_now, build_clinic, days_ahead, local
from tests.factories import consult, patient, screen

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=zone())
AFTERNOON = datetime(2026, 11, 30, 14, 59, tzinfo=zone())

EXPECTED = {
    "en": ("30 November 2026", "30 November 2026, 14:59", "30.11.2026"),
    "uk": ("30 листопада 2026", "30 листопада 2026, 14:59", "30.11.2026"),
}


@pytest.mark.parametrize("language", ["en", "uk"])
def test_each_language_has_one_day_first_24_hour_format(language):
    date, date_time, short = EXPECTED[language]
    with translation.override(language):
        assert formats.date_format(NOON, "DATE_FORMAT") == date
        assert formats.date_format(AFTERNOON, "DATETIME_FORMAT") == date_time
        assert formats.date_format(NOON, "SHORT_DATE_FORMAT") == short
        assert formats.time_format(NOON) == "12:00"
        rendered = Template("{{ t|date }} {{ t|time }} {{ u|time }}").render(
            Context({"t": NOON, "u": AFTERNOON})
        )
    assert rendered == f"{date} 12:00 14:59"


@pytest.mark.django_db
@at_clinic_now
@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_patients_pages_show_the_same_formats(client, language):
    clinic = build_clinic(practitioners=1, rooms=1, devices=1)
    p = patient()
    screen(p)
    consult(p)
    start = local(days_ahead(3), 12)
    appointment_book(actor=Actor(user=p.user), patient=p, treatment=clinic.face, start=start)
    client.force_login(p.user)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    page = client.get("/me/appointments/").content.decode()
    with translation.override(language):
        assert formats.date_format(start.astimezone(zone()), "DATE_FORMAT") in page
    assert "12:00" in page
    for twelve_hour in ("noon", "p.m.", "a.m.", "midnight"):
        assert twelve_hour not in page
