"""The manager's configuration screens (SPEC S1: practitioners, hours, rooms, devices,
closures, the booking and reminder policy)."""

from django.contrib import admin

from appointments.models import (
    Appointment,
    ClinicPolicy,
    Closure,
    Device,
    DeviceOutage,
    OpeningHours,
    Practitioner,
    Room,
    WorkingException,
    WorkingHours,
)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class WorkingExceptionInline(admin.TabularInline):
    model = WorkingException
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "is_active"]
    filter_horizontal = ["treatments"]
    inlines = [WorkingHoursInline, WorkingExceptionInline]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]


class DeviceOutageInline(admin.TabularInline):
    model = DeviceOutage
    extra = 0


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["name", "serial_number", "is_active"]
    inlines = [DeviceOutageInline]


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "start", "end"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["start_date", "end_date", "reason"]


@admin.register(ClinicPolicy)
class ClinicPolicyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not ClinicPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Read-only: bookings change through the desk and the API, where the rules live."""

    list_display = ["start", "treatment", "practitioner", "room", "device", "status"]
    list_filter = ["status", "practitioner", "treatment"]
    date_hierarchy = "start"
    list_select_related = ["treatment", "practitioner", "room", "device"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
