"""The staff list of messages (API and page) and the patient's channel preferences."""

import pytest
from django.test import Client
from django.utils import timezone

from clinic.roles import Role
from messaging.models import Message, MessageKind, MessageStatus
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import api, login_staff, patient, staff
from tests.messaging.helpers import book, desk_book

pytestmark = [pytest.mark.django_db, at_clinic_now]

LIST = "/api/messages/"
PREFS = "/api/messages/preferences/"


@pytest.fixture
def messages(clinic, cleared):
    book(clinic, cleared, local(days_ahead(3), 10))
    other = patient()
    desk_book(clinic, other, local(days_ahead(3), 12))
    Message.objects.filter(patient=other, kind=MessageKind.CONFIRMATION).update(
        status=MessageStatus.FAILED, last_error="mail server said 554 rejected", attempts=5
    )
    return cleared, other


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("patient", 403),
        (Role.DERMATOLOGIST, 403),
        (Role.RECEPTION, 200),
        (Role.MANAGER, 200),
    ],
)
def test_who_may_list_messages(messages, who, expected):
    cleared, _other = messages
    client = {"anonymous": api(), "patient": api(cleared.user)}.get(who) or api(staff(who))
    response = client.get(LIST)
    assert response.status_code == expected
    if expected >= 400:
        assert response.json()["error"]["code"]


def test_staff_filter_messages_by_patient_and_status_and_see_why_one_failed(
    messages, django_assert_max_num_queries
):
    cleared, other = messages
    client = api(staff(Role.RECEPTION))
    client.get(LIST)  # the token's first use reads its user's facts (clinic.access)
    with django_assert_max_num_queries(8):
        everything = client.get(LIST).json()
    assert everything["count"] == 6
    mine = client.get(LIST, {"patient": cleared.pk}).json()["results"]
    assert {m["patient"] for m in mine} == {cleared.pk} and len(mine) == 3
    failed = client.get(LIST, {"status": "failed"}).json()["results"]
    assert [(m["patient"], m["kind"], m["attempts"]) for m in failed] == [
        (other.pk, "confirmation", 5)
    ]
    assert "554" in failed[0]["last_error"] and failed[0]["patient_name"] == other.full_name
    both = client.get(LIST, {"status": ["failed", "pending"], "kind": "reminder"}).json()
    assert both["count"] == 4
    bad = client.get(LIST, {"status": "lost"})
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]


def test_the_list_costs_the_same_queries_for_many_rows(clinic, django_assert_max_num_queries):
    for hour in range(9, 17):
        desk_book(clinic, patient(), local(days_ahead(4), hour))
    client = api(staff(Role.MANAGER))
    client.get(LIST)  # the token's first use reads its user's facts (clinic.access)
    with django_assert_max_num_queries(8):
        assert client.get(LIST).json()["count"] == 24


def test_a_patient_reads_and_switches_her_channels_and_the_consent_is_kept(cleared):
    client = api(cleared.user)
    before = client.get(PREFS).json()
    assert before["remind_by_email"] is True and before["remind_by_sms"] is False
    consent = before["reminder_consent_at"]
    assert consent
    changed = client.patch(PREFS, {"remind_by_email": False, "remind_by_sms": True}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["remind_by_email"] is False and changed.json()["remind_by_sms"] is True
    assert changed.json()["reminder_consent_at"] == consent
    cleared.refresh_from_db()
    assert (cleared.remind_by_email, cleared.remind_by_sms) == (False, True)


def test_preferences_refuse_bad_input_naming_the_field(cleared):
    client = api(cleared.user)
    for body, field in [
        ({"remind_by_sms": "perhaps"}, "remind_by_sms"),
        ({"remind_by_pigeon": True}, "remind_by_pigeon"),
    ]:
        response = client.patch(PREFS, body, format="json")
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
    no_phone = patient(phone="")
    response = api(no_phone.user).patch(PREFS, {"remind_by_sms": True}, format="json")
    assert response.status_code == 400 and "remind_by_sms" in response.json()["error"]["fields"]


def test_only_a_patient_has_preferences(db):
    assert api().get(PREFS).status_code == 401
    assert api(staff(Role.RECEPTION)).get(PREFS).status_code == 403
    assert api(staff(Role.MANAGER)).patch(PREFS, {"remind_by_sms": True}).status_code == 403


def test_the_staff_page_lists_messages_with_filters(messages):
    cleared, other = messages
    client = Client()
    login_staff(client, staff(Role.RECEPTION))
    page = client.get("/messages/", {"status": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert other.full_name in html and "554 rejected" in html
    assert cleared.full_name not in html
    assert client.get("/messages/", {"patient": cleared.pk}).context["page"].paginator.count == 3


def test_the_staff_page_is_for_reception_and_the_manager(messages):
    cleared, _other = messages
    anonymous = Client().get("/messages/")
    assert anonymous.status_code == 302
    patient_browser = Client()
    patient_browser.force_login(cleared.user)
    assert patient_browser.get("/messages/").status_code == 403
    dermatologist = Client()
    login_staff(dermatologist, staff(Role.DERMATOLOGIST))
    assert dermatologist.get("/messages/").status_code == 403


def test_sent_messages_show_when_and_confirmations_show_on_the_list(messages):
    cleared, _other = messages
    Message.objects.filter(patient=cleared, kind=MessageKind.CONFIRMATION).update(
        status=MessageStatus.SENT, sent_at=timezone.now()
    )
    rows = api(staff(Role.MANAGER)).get(LIST, {"patient": cleared.pk, "status": "sent"}).json()
    assert rows["count"] == 1 and rows["results"][0]["sent_at"]
