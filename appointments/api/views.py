"""Scheduling API: availability and appointments (SPEC S7). Thin views over the services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import idempotency, selectors, services
from appointments.api.serializers import (
    AppointmentOutput,
    AvailabilityOutput,
    AvailabilityQuery,
    BookedOutput,
    BookInput,
    CancelInput,
    CancelReasonOutput,
    CheckInInput,
    RescheduleInput,
)
from appointments.availability import free_slots
from appointments.calendar import calendar_config, calendar_snapshot, zone
from appointments.models import Appointment, Channel, Status
from clinic.api import IdFilter, StrictFilterSet, actor_of, represent, requires, validated
from clinic.errors import Forbidden, Invalid
from clinic.forms import BoundedDateField
from clinic.roles import Action, is_staff_member, patient_id_of
from patients.models import Patient
from patients.selectors import patient_for_booking
from treatments.models import Treatment


class AvailabilityView(APIView):
    """Free start times for a treatment between two local dates (inclusive)."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[AvailabilityQuery], responses=AvailabilityOutput)
    def get(self, request: Request) -> Response:
        query = AvailabilityQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        q = query.validated_data
        slots = free_slots(
            treatment=calendar_config().treatments[q["treatment"]],
            start=q["start"],
            end=q["end"],
            practitioner_id=q.get("practitioner"),
            staff=is_staff_member(request.user),
        )
        # Practitioners share start times, and free_slots hands out one datetime object
        # per instant: format each once, found by identity (hashing an aware datetime asks
        # its time zone for the offset, which costs more than the lookup saves).
        texts: dict[int, str] = {}

        def iso(moment: datetime) -> str:
            text = texts.get(id(moment))
            if text is None:
                text = texts[id(moment)] = moment.isoformat()
            return text

        return Response(
            {
                "slots": [
                    {"start": iso(s.start), "end": iso(s.end), "practitioner": s.practitioner}
                    for s in slots
                ]
            }
        )


class LocalDateFilter(django_filters.DateFilter):
    """A day inside the clinic's window of dates (clinic.inputs): `?date=9999-12-31`
    overflowed when the day after was computed."""

    field_class = BoundedDateField


class AppointmentFilter(StrictFilterSet):
    date = LocalDateFilter(method="on_date", label="Local date")
    date_from = LocalDateFilter(method="from_date", label="From local date")
    date_to = LocalDateFilter(method="to_date", label="To local date (inclusive)")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    # Plain numbers: filtering by someone unknown (or not yours) is an empty list, not an error.
    patient = IdFilter(field_name="patient_id")
    practitioner = IdFilter(field_name="practitioner_id")
    treatment = IdFilter(field_name="treatment_id")

    class Meta:
        model = Appointment
        fields = ["patient", "practitioner", "status", "treatment"]

    @staticmethod
    def _midnight(value: date) -> datetime:
        return datetime.combine(value, time(0), tzinfo=zone())

    def on_date(self, qs, name, value):
        start = self._midnight(value)
        return qs.filter(start__gte=start, start__lt=start + timedelta(days=1))

    def from_date(self, qs, name, value):
        return qs.filter(start__gte=self._midnight(value))

    def to_date(self, qs, name, value):
        return qs.filter(start__lt=self._midnight(value) + timedelta(days=1))


def _patient_for_booking(request: Request, patient_id: int | None) -> Patient:
    if is_staff_member(request.user):
        if patient_id is None:
            raise Invalid(
                _("Staff give the patient to book for."),
                fields={"patient": [_("This field is required.")]},
            )
        found = patient_for_booking(patient_id)
        if found is None:
            raise Invalid(
                _("Unknown patient."), fields={"patient": [_("Unknown patient %s.") % patient_id]}
            )
        return found
    own = patient_id_of(request.user)
    if own is None or (patient_id is not None and patient_id != own):
        raise Forbidden(_("Patients book only for themselves."), code="forbidden")
    return Patient.objects.get(pk=own)


def _channel(request: Request) -> str:
    if request.auth is not None:  # a token: an API client
        return Channel.API
    return Channel.DESK if is_staff_member(request.user) else Channel.ONLINE


class AppointmentListCreate(generics.ListAPIView):
    """List (patients: their own; staff: all, with filters) and book appointments."""

    permission_classes = [requires(Action.APPOINTMENT_VIEW)]
    serializer_class = AppointmentOutput
    filterset_class = AppointmentFilter
    queryset = Appointment.objects.none()

    def get_queryset(self):
        return selectors.appointment_list_for(self.request.user)

    @extend_schema(
        request=BookInput,
        responses={201: BookedOutput},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    def post(self, request: Request) -> Response:
        def book() -> Response:
            data = validated(BookInput, request)
            staff_only = {k for k in ("room", "device") if data.get(k)}
            if staff_only and not is_staff_member(request.user):
                raise Invalid(
                    _("Only staff choose rooms and devices."),
                    fields={k: [_("Staff only.")] for k in staff_only},
                )
            patient = _patient_for_booking(request, data.get("patient"))
            appointment = services.appointment_book(
                actor=actor_of(request),
                patient=patient,
                treatment=_treatment(data["treatment"]),
                start=data["start"],
                practitioner_id=data.get("practitioner"),
                room_id=data.get("room"),
                device_id=data.get("device"),
                channel=_channel(request),
            )
            # A patient's booking with a deposit is held: `deposit` says what to pay.
            return Response(represent(BookedOutput, appointment), status=status.HTTP_201_CREATED)

        return idempotency.idempotent(request, book)


def _treatment(pk: int) -> Treatment:
    """The treatment from this process's snapshot (the booking checks it again against the
    committed configuration), or from the committed one when the snapshot lacks it."""
    found = calendar_snapshot().treatments.get(pk) or calendar_config().treatments.get(pk)
    if found is None:
        raise Invalid(
            _("This treatment is not offered."), fields={"treatment": [_("Not offered.")]}
        )
    return found


def _output(appointment_id: int) -> dict:
    return AppointmentOutput(selectors.appointment_list_for_any().get(pk=appointment_id)).data


class AppointmentDetail(APIView):
    permission_classes = [requires(Action.APPOINTMENT_VIEW)]

    @extend_schema(responses=AppointmentOutput)
    def get(self, request: Request, appointment_id: int) -> Response:
        return Response(
            AppointmentOutput(selectors.appointment_get_for(request.user, appointment_id)).data
        )


class AppointmentCancel(APIView):
    """Cancel: the patient within the policy, staff always with a reason."""

    permission_classes = [requires(Action.APPOINTMENT_CHANGE)]

    @extend_schema(request=CancelInput, responses=AppointmentOutput)
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(
            request.user, appointment_id, Action.APPOINTMENT_CHANGE
        )
        data = validated(CancelInput, request)
        services.appointment_cancel(
            actor=actor_of(request),
            appointment=appointment,
            reason=data["reason"],
            reason_id=data.get("reason_id"),
        )
        return Response(_output(appointment.pk))


class CancelReasonList(APIView):
    """The cancel reasons on offer (the manager's list), in the request's language."""

    permission_classes = [requires(Action.APPOINTMENT_CHANGE)]

    @extend_schema(responses=CancelReasonOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            CancelReasonOutput(
                [
                    {"id": r.id, "code": r.code, "label": r.label, "needs_note": r.needs_note}
                    for r in selectors.cancel_reasons_offered()
                ],
                many=True,
            ).data
        )


class AppointmentReschedule(APIView):
    """Move to another start: the patient within the policy, staff always with a reason."""

    permission_classes = [requires(Action.APPOINTMENT_CHANGE)]

    @extend_schema(
        request=RescheduleInput,
        responses=AppointmentOutput,
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(
            request.user, appointment_id, Action.APPOINTMENT_CHANGE
        )

        def move() -> Response:
            data = validated(RescheduleInput, request)
            services.appointment_reschedule(
                actor=actor_of(request),
                appointment=appointment,
                start=data["start"],
                practitioner_id=data.get("practitioner"),
                reason=data["reason"],
            )
            return Response(_output(appointment.pk))

        return idempotency.idempotent(request, move)


class AppointmentCheckIn(APIView):
    permission_classes = [requires(Action.APPOINTMENT_FRONT_DESK)]

    @extend_schema(request=CheckInInput, responses=AppointmentOutput)
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(
            request.user, appointment_id, Action.APPOINTMENT_FRONT_DESK
        )
        data = validated(CheckInInput, request)
        services.appointment_check_in(
            actor=actor_of(request),
            appointment=appointment,
            screening_confirmed=data["screening_confirmed"],
        )
        return Response(_output(appointment.pk))


class AppointmentNoShow(APIView):
    permission_classes = [requires(Action.APPOINTMENT_FRONT_DESK)]

    @extend_schema(request=None, responses=AppointmentOutput)
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(
            request.user, appointment_id, Action.APPOINTMENT_FRONT_DESK
        )
        services.appointment_mark_no_show(actor=actor_of(request), appointment=appointment)
        return Response(_output(appointment.pk))


class AppointmentNoShowUndo(APIView):
    """Undo a no-show the same day it was marked (back to booked); later: 409."""

    permission_classes = [requires(Action.APPOINTMENT_FRONT_DESK)]

    @extend_schema(request=None, responses=AppointmentOutput)
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(
            request.user, appointment_id, Action.APPOINTMENT_FRONT_DESK
        )
        services.appointment_undo_no_show(actor=actor_of(request), appointment=appointment)
        return Response(_output(appointment.pk))


class PractitionerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    treatments = serializers.ListField(child=serializers.IntegerField())


class PractitionerList(APIView):
    """Who performs which treatment (for choosing a practitioner when booking)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PractitionerOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            [
                {"id": p.id, "name": p.name, "treatments": sorted(p.treatment_ids)}
                for p in sorted(calendar_config().practitioners.values(), key=lambda p: p.name)
            ]
        )
