"""What happened to an appointment, for the apps that act on it.

The scheduling services send these inside their own transaction, after the change is
written; receivers run synchronously in that transaction, so whatever they write (the
patient's messages, in messaging) commits or rolls back with the change. The scheduling
core decides nothing from a receiver and imports none of them: messaging connects its
receivers in its AppConfig.ready().

Every signal is sent with `appointment` (or `offer`) and `now` as keyword arguments.
"""

from datetime import datetime
from typing import NamedTuple

from django.dispatch import Signal


class Move(NamedTuple):
    """Where an appointment was before a move."""

    appointment_id: int
    start: datetime
    practitioner_id: int


appointment_booked = Signal()  # appointment, now
# appointment, now, previous (a Move), notify (False when a course move tells of it)
appointment_rescheduled = Signal()
# course, moves (a Move of each session moved, where it was), now: one notice for them all
course_rescheduled = Signal()
appointment_cancelled = Signal()  # appointment, now
appointment_completed = Signal()  # appointment, now
appointment_no_show = Signal()  # appointment, now
appointment_no_show_undone = Signal()  # appointment, now
waitlist_offer_made = Signal()  # offer (entry, patient and treatment loaded), now
# The clinic closed on the day of a booked session; the session stays booked for reception
# to move, and the patient is asked to choose another time.
appointment_day_closed = Signal()  # appointment, closure, now
