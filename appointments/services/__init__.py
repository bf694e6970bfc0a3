"""Writes to the calendar. Views, the API and tasks call these only."""

from appointments.services.booking import (
    appointment_book,
    appointment_reschedule,
)
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
    "appointment_mark_no_show",
    "appointment_reschedule",
    "appointment_undo_no_show",
]
