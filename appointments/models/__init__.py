"""Scheduling models: resources, time, appointments (and, later, courses and messages)."""

from appointments.models.appointment import (
    ACTIVE,
    Appointment,
    Channel,
    IdempotencyKey,
    Status,
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
    "Device",
    "DeviceOutage",
    "ExceptionKind",
    "IdempotencyKey",
    "OpeningHours",
    "Practitioner",
    "Room",
    "Status",
    "Weekday",
    "WorkingException",
    "WorkingHours",
]
