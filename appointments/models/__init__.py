"""Scheduling models: resources, time, appointments, courses, session records, the waitlist."""

from appointments.models.appointment import (
    ACTIVE,
    INACTIVE_STATUSES,
    Appointment,
    Channel,
    IdempotencyKey,
    Status,
)
from appointments.models.cancel import BY_PATIENT, OTHER, CancelReason
from appointments.models.course import (
    Course,
    CourseStatus,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from appointments.models.feeds import CalendarFeed
from appointments.models.records import (
    RecordStatus,
    SessionRecord,
    SessionRecordAmendment,
    Waveform,
)
from appointments.models.resources import Device, DeviceOutage, Practitioner, Room
from appointments.models.schedule import (
    CalendarVersion,
    ClinicPolicy,
    Closure,
    ExceptionKind,
    OpeningHours,
    Weekday,
    WorkingException,
    WorkingHours,
)

__all__ = [
    "ACTIVE",
    "BY_PATIENT",
    "INACTIVE_STATUSES",
    "OTHER",
    "Appointment",
    "CalendarFeed",
    "CalendarVersion",
    "CancelReason",
    "Channel",
    "ClinicPolicy",
    "Closure",
    "Course",
    "CourseStatus",
    "Device",
    "DeviceOutage",
    "ExceptionKind",
    "IdempotencyKey",
    "OfferStatus",
    "OpeningHours",
    "Practitioner",
    "RecordStatus",
    "Room",
    "SessionRecord",
    "SessionRecordAmendment",
    "Status",
    "WaitlistEntry",
    "WaitlistOffer",
    "WaitlistStatus",
    "Waveform",
    "Weekday",
    "WorkingException",
    "WorkingHours",
]
