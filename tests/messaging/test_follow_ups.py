"""Keeping patients, in this process: the recall after a finished course (once, booked
again, opted out, not cleared), the thank-you at the end of a course, the survey (once per
course, one per 90 days, its signed link and its answer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from psycopg2.extras import DateRange

from messaging import compose, follow_ups, surveys
from messaging.links import LinkError
from messaging.models import (
    FollowUpOptOut,
    Message,
    MessageKind,
    Recall,
    RecallOutcome,
    Survey,
    SurveyStatus,
)
from tests.appointments.clinic_setup import at_clinic_now, days_ahead, local
from tests.factories import consult, patient, screen
from tests.messaging.follow_up_helpers import course_end, finished_course
from tests.messaging.helpers import book

pytestmark = [pytest.mark.django_db, at_clinic_now]

DAY = timedelta(days=1)


@pytest.fixture
def face_recall(clinic):
    clinic.face.recall_after_days = 90
    clinic.face.save(update_fields=["recall_after_days"])
    return clinic


def cleared(**fields):
    p = patient(**fields)
    screen(p)
    consult(p)
    return p


def recall_messages(p) -> list[Message]:
    return list(Message.objects.filter(patient=p, kind=MessageKind.RECALL))


def test_a_recall_goes_once_when_the_interval_after_the_course_has_passed(face_recall):
    p = cleared(preferred_language="uk")
    course = finished_course(face_recall, p, ended_ago=timedelta(days=91))
    now = timezone.now()
    screen(p)  # a fresh questionnaire: still cleared for the face

    follow_ups.plan_due(now)
    follow_ups.plan_due(now)  # a second beat, or the task retried
    follow_ups.recall_plan(course_id=course.pk, now=now)

    recall = Recall.objects.get(course=course)
    assert recall.outcome == RecallOutcome.BOOKING
    (message,) = recall_messages(p)
    assert message.key == f"recall-{course.pk}"
    email = compose.compose_email(message)
    body = email.body
    assert "/book/microcurrent-therapy-face/" in body
    assert email.extra_headers["Content-Language"] == "uk"
    with pytest.raises(IntegrityError), transaction.atomic():
        Recall.objects.create(
            course=course,
            patient=p,
            treatment=course.treatment,
            course_ended_at=now,
            outcome=RecallOutcome.BOOKING,
        )


def test_no_recall_before_the_interval_or_without_one(clinic, face_recall):
    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=80))
    assert follow_ups.plan_due().recalls == 0
    face_recall.face.recall_after_days = None
    face_recall.face.save(update_fields=["recall_after_days"])
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert follow_ups.plan_due().recalls == 0
    assert not Recall.objects.exists()


def test_no_recall_message_after_the_patient_booked_again(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=91))
    screen(p)
    book(face_recall, p, local(days_ahead(5), 12))

    follow_ups.plan_due()

    assert Recall.objects.get(course=course).outcome == RecallOutcome.BOOKED_AGAIN
    assert not recall_messages(p)


def test_no_recall_message_for_a_patient_who_opted_out(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=91))
    FollowUpOptOut.objects.create(patient=p)

    follow_ups.plan_due()

    assert Recall.objects.get(course=course).outcome == RecallOutcome.OPTED_OUT
    assert not recall_messages(p)


def test_without_a_valid_clearance_the_recall_offers_a_consultation(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=91))
    # The questionnaire of the course is months old now: not cleared without a new one.

    follow_ups.plan_due()

    assert Recall.objects.get(course=course).outcome == RecallOutcome.CONSULTATION
    (message,) = recall_messages(p)
    body = compose.compose_email(message).body
    assert "/book/initial-consultation/" in body
    assert "consultation" in body


def test_a_recall_waits_for_the_end_of_quiet_hours(face_recall):
    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=91))
    screen(p)
    night = local(timezone.localdate() + DAY, 23)
    with time_machine.travel(night, tick=False):
        follow_ups.plan_due(night)
    (message,) = recall_messages(p)
    assert message.due_at == local(timezone.localdate() + 2 * DAY, 8)


def test_a_recall_found_a_month_late_is_not_sent(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=130))
    follow_ups.plan_due()
    assert Recall.objects.get(course=course).outcome == RecallOutcome.EXPIRED
    assert not recall_messages(p)


def test_the_last_session_of_a_course_brings_a_thank_you_with_the_recall_date(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=1))
    (done,) = Message.objects.filter(patient=p, kind=MessageKind.COURSE_DONE)
    assert done.appointment_id == course.appointments.order_by("-start").first().pk
    body = compose.compose_email(done).body
    assert "/book/microcurrent-therapy-face/" in body
    assert "maintenance session is advised around" in body
    nudges = Message.objects.filter(patient=p, kind=MessageKind.COURSE_NUDGE)
    assert nudges.count() == 6  # one after each session but the last


# --- Survey ---------------------------------------------------------------------------


def _survey_token(p) -> str:
    (message,) = Message.objects.filter(patient=p, kind=MessageKind.SURVEY)
    body = compose.compose_email(message).body
    return body.split("/messages/survey/")[1].split("/")[0]


def test_one_survey_per_finished_course_with_a_link_that_works_once(face_recall):
    p = cleared(preferred_language="en")
    course = finished_course(face_recall, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    follow_ups.plan_due()

    survey = Survey.objects.get(course=course)
    assert survey.status == SurveyStatus.SENT
    assert survey.practitioner == face_recall.practitioners[0]
    token = _survey_token(p)
    page = Client().get(f"/messages/survey/{token}/")
    assert page.status_code == 200
    assert "How likely are you to recommend us" in page.content.decode()

    done = Client().post(f"/messages/survey/{token}/", {"score": "9", "comment": "Lovely."})
    assert done.status_code == 200
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (9, "Lovely.")

    again = Client().post(f"/messages/survey/{token}/", {"score": "2", "comment": "Changed"})
    assert again.status_code == 410
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (9, "Lovely.")


@pytest.mark.parametrize("score", ["11", "-1", "ten", "", "5.5"])
def test_a_score_outside_0_to_10_is_refused_beside_the_field_and_nothing_saved(face_recall, score):
    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    token = _survey_token(p)
    response = Client().post(f"/messages/survey/{token}/", {"score": score, "comment": "x"})
    assert response.status_code == 400
    assert "Choose a score from 0 to 10." in response.content.decode()
    assert Survey.objects.get().answered_at is None


@pytest.mark.parametrize("score", [11, -1, True, "7", None])
def test_the_service_refuses_a_score_outside_0_to_10_too(face_recall, score):
    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    from clinic.errors import Invalid

    with pytest.raises(Invalid):
        surveys.survey_answer(token=_survey_token(p), score=score)
    assert Survey.objects.get().answered_at is None


def test_a_forged_or_altered_survey_link_is_refused(face_recall):
    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    token = _survey_token(p)
    other_id = surveys.survey_token(Survey.objects.get().pk + 1)
    for bad in ("forged", token[:-2] + "xx", other_id, token.replace(":", "1:", 1)):
        response = Client().post(f"/messages/survey/{bad}/", {"score": "5"})
        assert response.status_code == 400, bad
    with pytest.raises(LinkError):
        surveys.survey_open("1:abc")
    assert Survey.objects.get().answered_at is None


def test_at_most_one_survey_per_patient_in_90_days(face_recall):
    p = cleared()
    first = finished_course(face_recall, p, ended_ago=timedelta(days=2))
    follow_ups.plan_due()
    consult(p)
    screen(p)
    second = finished_course(face_recall, p, ended_ago=timedelta(days=1), hour=15)
    follow_ups.plan_due()

    assert Survey.objects.get(course=first).status == SurveyStatus.SENT
    skipped = Survey.objects.get(course=second)
    assert skipped.status == SurveyStatus.SKIPPED
    assert Message.objects.filter(patient=p, kind=MessageKind.SURVEY).count() == 1
    # And the database holds it whatever the code path.
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(pk=skipped.pk).update(
            status=SurveyStatus.SENT, window=DateRange(today, today + timedelta(days=90))
        )


def test_no_survey_for_a_patient_who_opted_out(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=1))
    FollowUpOptOut.objects.create(patient=p)
    follow_ups.plan_due()
    assert Survey.objects.get(course=course).status == SurveyStatus.SKIPPED
    assert not Message.objects.filter(patient=p, kind=MessageKind.SURVEY).exists()


def test_an_unfinished_course_gets_no_survey_and_no_recall(face_recall):
    p = cleared()
    course = finished_course(face_recall, p, ended_ago=timedelta(days=100))
    last = course.appointments.order_by("-start").first()
    type(last).objects.filter(pk=last.pk).update(status="no_show")
    follow_ups.plan_due()
    assert not Survey.objects.exists() and not Recall.objects.exists()
    assert course_end(course) is not None


# --- The patient's choice --------------------------------------------------------------


def test_a_patient_opts_out_of_recalls_and_surveys_through_the_api_and_back(face_recall):
    from tests.factories import api

    p = cleared()
    client = api(p.user)
    prefs = "/api/messages/preferences/"
    assert client.get(prefs).json()["recalls_and_surveys"] is True

    off = client.patch(prefs, {"recalls_and_surveys": False}, format="json")

    assert off.status_code == 200 and off.json()["recalls_and_surveys"] is False
    assert off.json()["remind_by_email"] is True  # reminders are another matter
    assert FollowUpOptOut.objects.filter(patient=p).exists()
    bad = client.patch(prefs, {"recalls_and_surveys": "no"}, format="json")
    assert bad.status_code == 400 and "recalls_and_surveys" in bad.json()["error"]["fields"]
    assert client.patch(prefs, {"recalls_and_surveys": True}, format="json").status_code == 200
    assert not FollowUpOptOut.objects.filter(patient=p).exists()


def test_a_recall_queued_before_the_patient_opted_out_is_skipped_not_sent(face_recall):
    from messaging import delivery
    from messaging.models import MessageStatus

    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=91))
    follow_ups.plan_due()
    (message,) = recall_messages(p)
    FollowUpOptOut.objects.create(patient=p)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    delivery.deliver_batch([message.pk])

    message.refresh_from_db()
    assert message.status == MessageStatus.SKIPPED
    assert "no recalls or surveys" in message.last_error


def test_two_beats_planning_at_once_leave_one_recall_and_one_survey(live_db):
    """Two planners race on the same courses in two connections: the course lock and the
    unique course of each row leave exactly one of each, and neither planner fails."""
    import threading

    from django.db import connection

    from tests.appointments.clinic_setup import build_clinic

    clinic = build_clinic(practitioners=2, rooms=2, devices=2)
    clinic.face.recall_after_days = 90
    clinic.face.save(update_fields=["recall_after_days"])
    recalled, surveyed = cleared(), cleared()
    finished_course(clinic, recalled, ended_ago=timedelta(days=91))
    finished_course(clinic, surveyed, ended_ago=timedelta(days=1), hour=15)
    now, errors = timezone.now(), []
    start = threading.Barrier(2)

    def plan() -> None:
        try:
            start.wait()
            follow_ups.plan_due(now)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=plan) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert Recall.objects.count() == 1 and Survey.objects.count() == 1
    assert len(recall_messages(recalled)) == 1
    assert Message.objects.filter(patient=surveyed, kind=MessageKind.SURVEY).count() == 1


def test_the_patients_own_export_holds_her_survey_answer_and_recall(face_recall):
    from tests.factories import api

    p = cleared()
    finished_course(face_recall, p, ended_ago=timedelta(days=1))
    follow_ups.plan_due()
    survey = Survey.objects.get()
    surveys.survey_answer(token=surveys.survey_token(survey.pk), score=8, comment="Fine.")

    response = api(p.user).get(f"/api/patients/{p.pk}/export/")

    assert response.status_code == 200
    (row,) = response.json()["records"]["messaging.survey"]
    assert (row["fields"]["score"], row["fields"]["comment"]) == (8, "Fine.")


def test_the_link_in_a_recall_stops_recalls_and_surveys_without_a_login(face_recall):
    p = cleared(with_login=False)
    finished_course(face_recall, p, ended_ago=timedelta(days=91))
    follow_ups.plan_due()
    (message,) = recall_messages(p)
    body = compose.compose_email(message).body
    (path,) = [w for w in body.split() if "/messages/no-follow-ups/" in w]
    path = path[path.index("/messages/") :]

    opened = Client().get(path)
    assert opened.status_code == 200 and not FollowUpOptOut.objects.exists()  # GET: nothing
    assert Client().post(path).status_code == 200
    assert FollowUpOptOut.objects.filter(patient=p).exists()
    forged = path.replace("/no-follow-ups/", "/no-follow-ups/1").rstrip("/") + "x/"
    assert Client().post(forged).status_code == 400
