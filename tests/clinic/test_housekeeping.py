"""Housekeeping that beat runs (SPEC S12), each task run by a real Celery worker process:
expired waitlist offers passed on, expired sessions cleared, Idempotency-Keys forgotten
after their replay window, final outbox rows pruned after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from appointments import tasks as appointment_tasks
from appointments.models import Appointment, IdempotencyKey, OfferStatus, Status, WaitlistOffer
from appointments.services import appointment_hold
from clinic import tasks as clinic_tasks
from clinic.celery import app
from clinic.roles import Role
from messaging import tasks as messaging_tasks
from messaging.models import Message, MessageLinkUse, MessageStatus
from tests.appointments.clinic_setup import build_clinic, days_ahead, local
from tests.appointments.test_waitlist import join
from tests.conftest import wait_until
from tests.factories import api, patient, staff
from tests.messaging.helpers import desk_book

pytestmark = pytest.mark.slow


def test_every_task_in_the_beat_schedule_is_known_to_the_worker(celery_worker_process):
    registered = set().union(*app.control.inspect(timeout=5).registered().values())
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered, scheduled - registered
    housekeeping = {
        "appointments.tasks.expire_waitlist_offers",
        "appointments.tasks.release_lapsed_holds",
        "billing.tasks.void_lapsed_deposits",
        "appointments.tasks.prune_idempotency_keys",
        "clinic.tasks.clear_expired_sessions",
        "clinic.tasks.clear_expired_tokens",
        "messaging.tasks.prune_outbox",
        "clinic.tasks.audit_export_head",
    }
    assert housekeeping <= scheduled


def test_the_worker_passes_an_expired_waitlist_offer_to_the_next_patient(
    celery_worker_process, live_db
):
    clinic = build_clinic(practitioners=1, rooms=1, devices=0)
    desk = api(staff(Role.RECEPTION))
    booked = desk_book(clinic, patient(), local(days_ahead(3), 10))
    first, second = patient(), patient()
    join(first, clinic)
    join(second, clinic)
    desk.post(f"/api/appointments/{booked.pk}/cancel/", {"reason": "x"}, format="json")
    offer = WaitlistOffer.objects.get()
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    appointment_tasks.expire_waitlist_offers.delay()

    assert wait_until(lambda: WaitlistOffer.objects.filter(status=OfferStatus.EXPIRED).exists())
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert WaitlistOffer.objects.get(status=OfferStatus.OPEN).entry.patient_id == second.pk


def test_the_worker_releases_lapsed_slot_holds_only(celery_worker_process, live_db):
    clinic = build_clinic(practitioners=1, rooms=2, devices=0)
    day, now = days_ahead(3), timezone.now()
    lapsed, live = (
        appointment_hold(
            patient=patient(),
            treatment=clinic.consultation,
            start=local(day, hour),
            held_until=now + timedelta(minutes=minutes),
        )
        for hour, minutes in ((10, 1), (12, 60))
    )
    Appointment.objects.filter(pk=lapsed.pk).update(held_until=now - timedelta(seconds=1))

    appointment_tasks.release_lapsed_holds.delay()

    assert wait_until(lambda: Appointment.objects.filter(status=Status.RELEASED).exists())
    assert Appointment.objects.get(pk=lapsed.pk).status == Status.RELEASED
    assert Appointment.objects.get(pk=live.pk).status == Status.HELD


def test_the_worker_clears_expired_sessions_only(celery_worker_process):
    now = timezone.now()
    Session.objects.create(session_key="gone" * 8, session_data="x", expire_date=now - timedelta(1))
    Session.objects.create(session_key="kept" * 8, session_data="x", expire_date=now + timedelta(1))

    clinic_tasks.clear_expired_sessions.delay()

    assert wait_until(lambda: not Session.objects.filter(session_key="gone" * 8).exists())
    assert Session.objects.filter(session_key="kept" * 8).exists()


def test_the_worker_clears_expired_api_tokens_only(celery_worker_process):
    from knox.models import AuthToken

    from clinic.tokens import api_token_issue

    user = patient().user
    api_token_issue(user=user)
    kept = AuthToken.objects.get(user=user).digest
    api_token_issue(user=user)
    AuthToken.objects.exclude(digest=kept).update(expiry=timezone.now() - timedelta(seconds=1))

    clinic_tasks.clear_expired_tokens.delay()

    assert wait_until(lambda: AuthToken.objects.filter(user=user).count() == 1)
    assert AuthToken.objects.get(user=user).digest == kept


def _key(user, key: str, hours_ago: float) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(
        user=user, key=key, request_hash="0" * 64, status_code=201, body={}
    )
    created = timezone.now() - timedelta(hours=hours_ago)
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=created)
    return row


def test_the_worker_forgets_idempotency_keys_after_their_window(celery_worker_process):
    user = staff(Role.RECEPTION)
    window = settings.IDEMPOTENCY_KEY_HOURS
    old, recent = _key(user, "old", window + 1), _key(user, "recent", window - 1)

    appointment_tasks.prune_idempotency_keys.delay()

    assert wait_until(lambda: not IdempotencyKey.objects.filter(pk=old.pk).exists())
    assert IdempotencyKey.objects.filter(pk=recent.pk).exists()


def test_a_key_past_its_window_is_a_new_request_not_a_replay(db):
    user = staff(Role.RECEPTION)
    _key(user, "reused", settings.IDEMPOTENCY_KEY_HOURS + 1)  # its body differs from this one
    response = api(user).post(
        "/api/appointments/", {"treatment": 0}, format="json", HTTP_IDEMPOTENCY_KEY="reused"
    )
    assert response.status_code == 400  # judged afresh; a remembered key would give 422
    assert "Idempotent-Replayed" not in response.headers
    assert IdempotencyKey.objects.get(key="reused").status_code == 400


def _message(who, key: str, status: str, days_ago: int) -> Message:
    row = Message.objects.create(
        patient=who,
        kind="waitlist_offer",
        channel="email",
        key=key,
        status=status,
        sent_at=timezone.now() if status == MessageStatus.SENT else None,
        due_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    Message.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return row


def test_the_worker_prunes_only_final_messages_past_the_retention_period(celery_worker_process):
    who = patient()
    days = settings.MESSAGES_RETENTION_DAYS
    old_sent = _message(who, "old-sent", MessageStatus.SENT, days + 1)
    old_void = _message(who, "old-void", MessageStatus.VOID, days + 1)
    old_pending = _message(who, "old-pending", MessageStatus.PENDING, days + 1)
    recent_sent = _message(who, "recent-sent", MessageStatus.SENT, days - 1)
    MessageLinkUse.objects.create(message=old_sent, action="confirm")

    messaging_tasks.prune_outbox.delay()

    assert wait_until(lambda: not Message.objects.filter(pk=old_sent.pk).exists())
    assert not Message.objects.filter(pk=old_void.pk).exists()
    assert not MessageLinkUse.objects.exists()
    assert set(Message.objects.values_list("pk", flat=True)) == {old_pending.pk, recent_sent.pk}
