"""Bookable resources: practitioners, rooms and microcurrent devices."""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner"
    )
    display_name = models.CharField(_("name shown to patients"), max_length=120)
    treatments = models.ManyToManyField(
        "treatments.Treatment", related_name="practitioners", blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name


class Room(models.Model):
    name = models.CharField(max_length=60, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    """One microcurrent unit: a resource that two sessions cannot share."""

    name = models.CharField(max_length=60, unique=True)
    serial_number = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceOutage(models.Model):
    """A period when a device is out of service (repair, calibration)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="outages")
    period = DateTimeRangeField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["period"]
        constraints = [
            ExclusionConstraint(
                name="device_outage_no_overlap",
                expressions=[("device", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
            )
        ]

    def __str__(self) -> str:
        return f"{self.device} out of service"
