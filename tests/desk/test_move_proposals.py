"""The desk's move dialog proposes the nearest free times first: the same practitioner
before others, the same day before the next days, each one click away (through the move
service), with the full day picker below."""

from __future__ import annotations

import pytest
from django.utils import timezone

from appointments.calendar import local_date
from desk.views.slots import nearest_free
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.desk.helpers import book, cleared_patient

pytestmark = [pytest.mark.django_db, at_clinic_now]


def _minutes(moment) -> int:
    moment = timezone.localtime(moment)
    return moment.hour * 60 + moment.minute


def test_the_first_proposals_are_the_same_practitioner_nearest_on_the_same_day(clinic):
    dr0 = clinic.practitioners[0]
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 12), practitioner_id=dr0.pk)
    proposals = nearest_free(clinic.face, a.start, dr0.pk, ignore=[a.pk], skip=a.start)
    assert len(proposals) == 6
    assert all(p.same_practitioner and local_date(p.start) == days_ahead(2) for p in proposals)
    assert a.start not in [p.start for p in proposals]  # its own time changes nothing
    distances = [abs(_minutes(p.start) - 12 * 60) for p in proposals]
    assert distances == sorted(distances) and distances[0] > 0


def test_others_come_after_the_practitioner_and_later_days_after_the_day(clinic):
    dr0, dr1 = clinic.practitioners
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 12), practitioner_id=dr0.pk)
    every = nearest_free(
        clinic.face, a.start, dr0.pk, ignore=[a.pk], days=2, limit=None, skip=a.start
    )
    ranks = [
        (
            (local_date(p.start) - days_ahead(2)).days,
            not p.same_practitioner,
            abs(_minutes(p.start) - 12 * 60),
        )
        for p in every
    ]
    assert ranks == sorted(ranks)
    groups = [r[:2] for r in ranks]
    assert (0, False) in groups and (0, True) in groups and (1, False) in groups
    assert {p.practitioner for p in every if not p.same_practitioner} == {dr1.display_name}


def test_a_proposal_moves_the_session_in_one_click(clinic, reception):
    dr0 = clinic.practitioners[0]
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 12), practitioner_id=dr0.pk)
    url = f"/desk/appointments/{a.pk}/move/"
    page = reception.get(url).content.decode()
    assert "Proposed free times" in page and "All free times" in page
    first = nearest_free(clinic.face, a.start, dr0.pk, ignore=[a.pk], skip=a.start)[0]
    assert f'value="{first.value}"' in page
    moved = reception.post(url, {"slot": first.value, "reason": "Patient asked by phone"})
    assert moved.status_code == 302
    a.refresh_from_db()
    assert (a.start, a.practitioner_id) == (first.start, dr0.pk)


def test_a_proposal_without_a_reason_is_refused_beside_the_field(clinic, reception):
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 12))
    first = nearest_free(clinic.face, a.start, a.practitioner_id, ignore=[a.pk], skip=a.start)[0]
    refused = reception.post(f"/desk/appointments/{a.pk}/move/", {"slot": first.value})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    a.refresh_from_db()
    assert a.start == local(days_ahead(2), 12)


def test_the_move_and_cancel_pages_go_back_where_they_were_opened_from(clinic, reception):
    """The manager's closure page opens them with `next`: the forms carry it through a
    change of day, a refusal and the move or cancel, and only to this site."""
    a = book(cleared_patient(), clinic.face, local(days_ahead(2), 12))
    back = "/manager/closures/"
    url = f"/desk/appointments/{a.pk}/move/?next={back}"
    page = reception.get(url).content.decode()
    assert page.count(f'<input type="hidden" name="next" value="{back}">') == 2  # both forms
    first = nearest_free(clinic.face, a.start, a.practitioner_id, ignore=[a.pk], skip=a.start)[0]
    moved = reception.post(url, {"slot": first.value, "reason": "Clinic closed"})
    assert moved.status_code == 302 and moved["Location"] == back
    cancel = f"/desk/appointments/{a.pk}/cancel/"
    page = reception.get(f"{cancel}?next={back}").content.decode()
    assert f'<input type="hidden" name="next" value="{back}">' in page
    elsewhere = reception.get(f"{cancel}?next=https://evil.example/").content.decode()
    assert 'name="next" value="https://evil.example/"' not in elsewhere
