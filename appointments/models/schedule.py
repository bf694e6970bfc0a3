"""Time: working hours, exceptions, clinic opening hours, closures and the booking policy.

Hours are local wall-clock times in the clinic's zone (settings.TIME_ZONE), so a
daylight-saving change never moves them; appointments themselves are stored in UTC.
"""

from datetime import time

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def _time_order(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        name=f"{prefix}_start_before_end", condition=Q(start__lt=F("end"))
    )


class WorkingHours(models.Model):
    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["practitioner", "weekday", "start"]
        verbose_name_plural = "working hours"
        constraints = [_time_order("working_hours")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class ExceptionKind(models.TextChoices):
    OFF = "off", _("Time off")
    EXTRA = "extra", _("Extra hours")


class WorkingException(models.Model):
    """Time off (the whole day when no times are given) or extra hours on a date."""

    practitioner = models.ForeignKey(
        "appointments.Practitioner", on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField()
    kind = models.CharField(max_length=5, choices=ExceptionKind.choices)
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start"]
        indexes = [models.Index(fields=["practitioner", "date"])]
        constraints = [
            models.CheckConstraint(
                name="working_exception_times",
                condition=(Q(start__isnull=True) & Q(end__isnull=True) & Q(kind="off"))
                | (Q(start__isnull=False) & Q(end__isnull=False) & Q(start__lt=F("end"))),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"

    @property
    def whole_day(self) -> bool:
        return self.start is None


class OpeningHours(models.Model):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "opening hours"
        constraints = [_time_order("opening_hours")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Closure(models.Model):
    """The clinic is closed from start_date to end_date, both included (holidays)."""

    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                name="closure_dates_ordered", condition=Q(start_date__lte=F("end_date"))
            )
        ]

    def __str__(self) -> str:
        return f"Closed {self.start_date}–{self.end_date}: {self.reason}"


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 2 * 60]


class ClinicPolicy(models.Model):
    """The one row of booking and reminder rules the manager can change in the admin."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    patient_min_notice_minutes = models.PositiveIntegerField(default=120)
    booking_horizon_days = models.PositiveIntegerField(default=90)
    patient_cancel_cutoff_hours = models.PositiveIntegerField(default=24)
    device_buffer_minutes = models.PositiveIntegerField(default=10)
    slot_step_minutes = models.PositiveSmallIntegerField(default=15)
    reminder_offsets_minutes = ArrayField(
        models.PositiveIntegerField(),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("Minutes before a session that reminders go out (default 1440 and 120)."),
    )
    quiet_hours_start = models.TimeField(default=time(21, 0))
    quiet_hours_end = models.TimeField(default=time(8, 0))
    waitlist_offer_minutes = models.PositiveIntegerField(default=120)
    check_in_opens_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_("How long before the start of a session reception may check the patient in."),
    )

    class Meta:
        verbose_name_plural = "clinic policy"
        constraints = [
            models.CheckConstraint(name="clinic_policy_single_row", condition=Q(id=1)),
            models.CheckConstraint(
                name="clinic_policy_step_divides_hour",
                condition=Q(slot_step_minutes__in=[5, 10, 15, 20, 30, 60]),
            ),
        ]

    def __str__(self) -> str:
        return "Clinic policy"


class CalendarVersion(models.Model):
    """One row whose `version` moves, in the same transaction, with every change to the
    calendar configuration: treatments, practitioners and what they perform, working
    hours and exceptions, opening hours, closures, rooms, devices, outages, the policy.

    Database triggers (migration 0006) write it, so no path can miss it: the admin, a
    service, a queryset `.update()`, a shell or raw SQL on any host. The value is the
    changing transaction's id (`txid_current()`): it only grows, and a truncated table
    (a test flush) cannot bring an old value back. `appointments.calendar` reads it once
    per request and reloads its snapshot when it moved."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(name="calendar_version_single_row", condition=Q(id=1))
        ]

    def __str__(self) -> str:
        return f"Calendar version {self.version}"
