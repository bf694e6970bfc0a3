"""The manager's configuration screens (SPEC S1: practitioners, hours, rooms, devices,
closures, the booking and reminder policy)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from appointments.models import (
    Appointment,
    CancelReason,
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
from appointments.services.closures import (
    ClosureInput,
    closure_check_input,
    closure_save,
    closure_stranded,
    session_line,
)
from clinic.audit import Actor
from clinic.errors import Invalid


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


class ClosureAdminForm(forms.ModelForm):
    """The same checks as the manager's page (appointments.services.closures): errors in
    plain words beside the fields, and booked sessions named before "close anyway"."""

    close_anyway = forms.BooleanField(
        label=_("Close anyway (the patients are told to choose another time)"), required=False
    )

    class Meta:
        model = Closure
        fields = ["start_date", "end_date", "reason"]

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        closure = ClosureInput(data["start_date"], data["end_date"], data["reason"])
        try:
            closure_check_input(closure)
        except Invalid as exc:
            raise forms.ValidationError(exc.fields) from exc
        stranded = closure_stranded(closure)
        if stranded and not data.get("close_anyway"):
            lines = [
                f"{s['when']} · {s['patient']} · {s['treatment']}"
                for s in map(session_line, stranded)
            ]
            raise forms.ValidationError({"close_anyway": [_("Booked on these days:"), *lines]})
        return data


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    form = ClosureAdminForm
    list_display = ["start_date", "end_date", "reason"]

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        closure_save(
            actor=Actor.from_request(request),
            data=ClosureInput(data["start_date"], data["end_date"], data["reason"]),
            closure=obj,
            close_anyway=data["close_anyway"],
        )


@admin.register(CancelReason)
class CancelReasonAdmin(admin.ModelAdmin):
    list_display = ["label_en", "label_uk", "needs_note", "is_active", "position"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancelled appointments keep theirs: switch a reason off instead


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
