"""Input and output shapes of the scheduling API."""

from __future__ import annotations

from collections.abc import Callable, Container

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from appointments.calendar import CalendarConfig, calendar_config, calendar_snapshot
from appointments.models import Appointment, Channel, Status
from appointments.services.prepayment import prepayment_due
from clinic.api import IdField, StrictSerializer


def _known(
    kind: str, value: int | None, table: Callable[[CalendarConfig], Container[int]]
) -> int | None:
    """`value` names a row of the configuration: the process's snapshot answers at no
    cost; before refusing, the committed configuration is asked (a row added a moment
    ago on another host). What is accepted here is checked again when booking."""
    if value is None or value in table(calendar_snapshot()) or value in table(calendar_config()):
        return value
    raise serializers.ValidationError(_("Unknown %(kind)s %(id)s.") % {"kind": kind, "id": value})


def _treatments(config: CalendarConfig) -> Container[int]:
    return config.treatments


def _practitioners(config: CalendarConfig) -> Container[int]:
    return config.practitioners


def _rooms(config: CalendarConfig) -> Container[int]:
    return config.rooms


def _devices(config: CalendarConfig) -> Container[int]:
    return config.devices


class AvailabilityQuery(StrictSerializer):
    json_types = False  # a query string: every value arrives as text

    treatment = IdField()
    start = serializers.DateField()
    end = serializers.DateField()
    practitioner = IdField(required=False)

    def validate_treatment(self, value: int) -> int:
        return _known(_("treatment"), value, _treatments)

    def validate_practitioner(self, value: int) -> int:
        return _known(_("practitioner"), value, _practitioners)

    def validate(self, data: dict) -> dict:
        from appointments.availability import MAX_DAYS

        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        if (data["end"] - data["start"]).days >= MAX_DAYS:
            raise serializers.ValidationError(
                {"end": [_("Ask for at most %s days at once.") % MAX_DAYS]}
            )
        return data


class SlotOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.IntegerField()


class AvailabilityOutput(serializers.Serializer):
    slots = SlotOutput(many=True)


class BookInput(StrictSerializer):
    shared = True  # checked by one instance per process: clinic.api.validated

    treatment = IdField()
    start = serializers.DateTimeField(
        help_text="ISO 8601; without an offset it is clinic local time."
    )
    practitioner = IdField(required=False, allow_null=True)
    patient = IdField(required=False, help_text="Staff only: whom to book for.")
    room = IdField(required=False, allow_null=True, help_text="Staff only.")
    device = IdField(required=False, allow_null=True, help_text="Staff only.")

    def validate_treatment(self, value: int) -> int:
        return _known(_("treatment"), value, _treatments)

    def validate_practitioner(self, value: int | None) -> int | None:
        return _known(_("practitioner"), value, _practitioners)

    def validate_room(self, value: int | None) -> int | None:
        return _known(_("room"), value, _rooms)

    def validate_device(self, value: int | None) -> int | None:
        return _known(_("device"), value, _devices)


class ReasonInput(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class CancelInput(ReasonInput):
    reason_id = IdField(
        required=False,
        allow_null=True,
        help_text="A reason from GET /api/cancel-reasons/; `reason` is then its note (required "
        "for reasons with needs_note, such as 'other'). Staff giving only `reason` cancel for "
        "'other' with that note.",
    )


class CancelReasonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField(help_text="In the request's language.")
    needs_note = serializers.BooleanField()


class RescheduleInput(ReasonInput):
    start = serializers.DateTimeField()
    practitioner = IdField(required=False, allow_null=True)

    def validate_practitioner(self, value: int | None) -> int | None:
        return _known(_("practitioner"), value, _practitioners)


class CheckInInput(StrictSerializer):
    """A device session also needs the current treatment consent on file, signed by the
    patient (`POST /api/patients/{id}/consents/` or the desk's tablet page); without it
    the answer is 409 `consent_missing` with `consent_version`, `sign_url` and `sign_api`."""

    screening_confirmed = serializers.BooleanField(default=False)


class AppointmentOutput(serializers.Serializer):
    """An appointment. Names come from the calendar snapshot: no joins, no extra queries.
    Its fields are declared one by one rather than built from the model on every use (a
    ModelSerializer): it is in every booking's answer (bench row W)."""

    id = serializers.IntegerField(read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    patient_name = serializers.CharField(source="patient.full_name", read_only=True)
    treatment = serializers.IntegerField(source="treatment_id", read_only=True)
    treatment_name = serializers.SerializerMethodField()
    practitioner = serializers.IntegerField(source="practitioner_id", read_only=True)
    practitioner_name = serializers.SerializerMethodField()
    room = serializers.IntegerField(source="room_id", read_only=True)
    room_name = serializers.SerializerMethodField()
    device = serializers.IntegerField(source="device_id", read_only=True, allow_null=True)
    device_name = serializers.SerializerMethodField()
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    status = serializers.ChoiceField(Status.choices, read_only=True)
    status_reason = serializers.CharField(read_only=True)
    cancel_reason = serializers.IntegerField(
        source="cancel_reason_id", read_only=True, allow_null=True
    )
    booked_via = serializers.ChoiceField(Channel.choices, read_only=True)
    course = serializers.IntegerField(source="course_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    @staticmethod
    def _name(kind: str, pk: int | None) -> str | None:
        return calendar_config().names[kind].get(pk) if pk else None

    def get_treatment_name(self, a: Appointment) -> str:
        return self._name("treatment", a.treatment_id) or ""

    def get_practitioner_name(self, a: Appointment) -> str:
        return self._name("practitioner", a.practitioner_id) or ""

    def get_room_name(self, a: Appointment) -> str:
        return self._name("room", a.room_id) or ""

    def get_device_name(self, a: Appointment) -> str | None:
        return self._name("device", a.device_id)


class PrepaymentDueOutput(serializers.Serializer):
    """The deposit that keeps a held online booking: pay it before `held_until`."""

    invoice = serializers.IntegerField(source="invoice_id")
    invoice_number = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    held_until = serializers.DateTimeField()
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    provider = serializers.CharField()
    client_secret = serializers.CharField(
        help_text="What the patient's browser confirms the payment with (the provider's)."
    )
    pay_url = serializers.CharField(help_text="The page where the patient pays it.")


class BookedOutput(AppointmentOutput):
    """A new booking. A patient's online booking of a treatment with a deposit is `held`
    until the deposit is paid, and carries `deposit`: pay it online before `held_until`."""

    held_until = serializers.DateTimeField(read_only=True, allow_null=True)
    deposit = serializers.SerializerMethodField()

    @extend_schema_field(PrepaymentDueOutput(allow_null=True))
    def get_deposit(self, a: Appointment) -> dict | None:
        due = prepayment_due(a) if a.status == Status.HELD else None
        return PrepaymentDueOutput(due).data if due is not None else None
