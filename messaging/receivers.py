"""The booking events (appointments.events) that queue patient messages.

Each receiver runs inside the transaction of the change that sent the event, so the
outbox rows commit or roll back with it. Connected once, in MessagingConfig.ready().
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from appointments import events
from appointments.calendar import calendar_config
from appointments.events import Move
from appointments.models import Appointment, Closure, Course, WaitlistOffer
from messaging import outbox


def _booked(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    outbox.on_booked(appointment, now=now)


def _rescheduled(
    sender: Any,
    *,
    appointment: Appointment,
    now: datetime,
    previous: Move | None = None,
    notify: bool = True,
    **kwargs: Any,
) -> None:
    outbox.on_rescheduled(appointment, now=now, previous=previous, notify=notify)


def _course_rescheduled(
    sender: Any, *, course: Course, moves: list[Move], now: datetime, **kwargs: Any
) -> None:
    outbox.on_course_rescheduled(course, moves, now=now)


def _cancelled(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    outbox.on_cancelled(appointment, now=now)


def _completed(sender: Any, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    outbox.on_completed(appointment, now=now)


def _day_closed(
    sender: Any, *, appointment: Appointment, closure: Closure, now: datetime, **kwargs: Any
) -> None:
    outbox.on_day_closed(appointment, closure, now=now)


def _waitlist_offer(sender: Any, *, offer: WaitlistOffer, now: datetime, **kwargs: Any) -> None:
    entry = offer.entry
    outbox.enqueue_waitlist_offer(
        patient=entry.patient,
        treatment=entry.treatment,
        start=offer.start,
        key=f"waitlist-offer-{offer.pk}",
        expires_at=offer.expires_at,
        now=now,
        practitioner_name=calendar_config().names["practitioner"].get(offer.practitioner_id, ""),
        # One tap (after logging in) books it: the patient's own offer page.
        offer_url=settings.CLINIC_BASE_URL + reverse("appointments:offer", args=[offer.pk]),
    )


def connect() -> None:
    # dispatch_uid: connecting twice (a second ready()) never sends a message twice.
    for signal, receiver in (
        (events.appointment_booked, _booked),
        (events.appointment_rescheduled, _rescheduled),
        (events.course_rescheduled, _course_rescheduled),
        (events.appointment_cancelled, _cancelled),
        (events.appointment_completed, _completed),
        (events.waitlist_offer_made, _waitlist_offer),
        (events.appointment_day_closed, _day_closed),
    ):
        signal.connect(receiver, dispatch_uid=f"messaging.{receiver.__name__}")
