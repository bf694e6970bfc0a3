"""Scheduling models: resources, time, appointments (and, later, courses and messages)."""

from appointments.models.appointment import (
    ACTIVE,
    Appointment,
    Channel,
    IdempotencyKey,
    Status,
)
from appointments.models.course import (
    Course,
    CourseStatus,
    OfferStatus,
    RecordStatus,
    SessionRecord,
    SessionRecordAmendment,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
    Waveform,
)
from appointments.models.messages import (
    LinkAction,
    Message,
    MessageChannel,
    MessageKind,
    MessageLinkUse,
    MessageStatus,
)
from appointments.models.resources import Device, DeviceOutage, Practitioner, Room
from appointments.models.schedule import (
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
    "Appointment",
    "Channel",
    "ClinicPolicy",
    "Closure",
    "Course",
    "CourseStatus",
    "Device",
    "DeviceOutage",
    "ExceptionKind",
    "IdempotencyKey",
    "LinkAction",
    "Message",
    "MessageChannel",
    "MessageKind",
    "MessageLinkUse",
    "MessageStatus",
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
