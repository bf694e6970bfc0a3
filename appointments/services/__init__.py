"""Writes to the calendar. Views, the API and tasks call these only."""

from appointments.services.booking import (
    appointment_book,
    appointment_hold,
    appointment_reschedule,
)
from appointments.services.holds import hold_confirm, hold_release, hold_release_all_lapsed
from appointments.services.status import (
    appointment_cancel,
    appointment_check_in,
    appointment_complete,
    appointment_mark_no_show,
    appointment_undo_no_show,
)

__all__ = [
    "appointment_book",
    "appointment_cancel",
    "appointment_check_in",
    "appointment_complete",
    "appointment_hold",
    "appointment_mark_no_show",
    "appointment_reschedule",
    "appointment_undo_no_show",
    "hold_confirm",
    "hold_release",
    "hold_release_all_lapsed",
]
