"""Session records API (dermatologists): device parameters, response and outcome."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import selectors
from appointments.models import SessionRecord, SessionRecordAmendment, Waveform
from chart import services
from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.audit import audit_record
from clinic.roles import Action, can
from treatments.models import BodyArea


class RecordFields(StrictSerializer):
    current_ua = serializers.IntegerField(min_value=1, help_text="µA; 1500 and above is refused.")
    current_justification = serializers.CharField(required=False, allow_blank=True, default="")
    frequency_hz = serializers.DecimalField(max_digits=7, decimal_places=2)
    waveform = serializers.ChoiceField(Waveform.choices)
    program = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    areas = serializers.ListField(child=serializers.ChoiceField(BodyArea.choices), min_length=1)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=240)
    conductive_gel = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    preparations = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )
    skin_response = serializers.CharField(required=False, allow_blank=True, default="")
    tone_clinician = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    puffiness_clinician = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    elasticity_clinician = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    tone_patient = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    puffiness_patient = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    elasticity_patient = serializers.IntegerField(
        min_value=0, max_value=10, required=False, allow_null=True
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RecordInput(RecordFields):
    sign = serializers.BooleanField(default=False)


class RecordChanges(RecordFields):
    """The fields of a record, every one optional and without defaults: only what is given
    changes."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required, field.default = False, empty


class AmendInput(StrictSerializer):
    reason = serializers.CharField()
    changes = RecordChanges()


class RecordAmendmentOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username")

    class Meta:
        model = SessionRecordAmendment
        fields = ["id", "author", "created_at", "reason", "changes"]


class RecordOutput(serializers.ModelSerializer):
    amendments = RecordAmendmentOutput(many=True, read_only=True)
    signed_by = serializers.CharField(
        source="signed_by.get_username", default=None, allow_null=True
    )

    class Meta:
        model = SessionRecord
        exclude = ["created_by"]


def _record_for(request: Request, record_id: int) -> SessionRecord:
    record = get_object_or_404(
        SessionRecord.objects.select_related(
            "appointment__treatment", "signed_by"
        ).prefetch_related("amendments__author"),
        pk=record_id,
    )
    if not can(request.user, Action.SESSION_RECORD_VIEW, record):
        raise Http404
    return record


class AppointmentRecord(APIView):
    """The session record of an appointment: read it, or record the session."""

    permission_classes = [requires(Action.SESSION_RECORD_VIEW)]

    @extend_schema(responses=RecordOutput)
    def get(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(request.user, appointment_id)
        record = getattr(appointment, "session_record", None)
        if record is None:
            raise Http404
        audit_record(actor_of(request), action="read", obj=record, patient_id=record.patient_id)
        return Response(RecordOutput(record).data)

    @extend_schema(request=RecordInput, responses={201: RecordOutput})
    def post(self, request: Request, appointment_id: int) -> Response:
        appointment = selectors.appointment_get_for(request.user, appointment_id)
        data = validated(RecordInput, request)
        record = services.session_record_create(
            actor=actor_of(request), appointment=appointment, **data
        )
        return Response(RecordOutput(record).data, status=status.HTTP_201_CREATED)


class RecordSign(APIView):
    permission_classes = [requires(Action.SESSION_RECORD_WRITE)]

    @extend_schema(request=None, responses=RecordOutput)
    def post(self, request: Request, record_id: int) -> Response:
        record = services.session_record_sign(
            actor=actor_of(request), record=_record_for(request, record_id)
        )
        return Response(RecordOutput(record).data)


class RecordAmend(APIView):
    """Correct a signed session record: the original is kept, the amendment says why."""

    permission_classes = [requires(Action.SESSION_RECORD_WRITE)]

    @extend_schema(request=AmendInput, responses={201: RecordAmendmentOutput})
    def post(self, request: Request, record_id: int) -> Response:
        record = _record_for(request, record_id)
        data = validated(AmendInput, request)
        amendment = services.session_record_amend(
            actor=actor_of(request), record=record, reason=data["reason"], changes=data["changes"]
        )
        return Response(RecordAmendmentOutput(amendment).data, status=status.HTTP_201_CREATED)
