"""What happened to an appointment, for the apps that act on it.

The scheduling services send these inside their own transaction, after the change is
written; receivers run synchronously in that transaction, so whatever they write (the
patient's messages, in messaging) commits or rolls back with the change. The scheduling
core decides nothing from a receiver and imports none of them: messaging connects its
receivers in its AppConfig.ready().

Every signal is sent with `appointment` (or `offer`) and `now` as keyword arguments.
"""

from django.dispatch import Signal

appointment_booked = Signal()  # appointment, now
appointment_rescheduled = Signal()  # appointment, now
appointment_cancelled = Signal()  # appointment, now
appointment_completed = Signal()  # appointment, now
appointment_no_show = Signal()  # appointment, now
appointment_no_show_undone = Signal()  # appointment, now
waitlist_offer_made = Signal()  # offer (entry, patient and treatment loaded), now
