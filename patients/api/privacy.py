"""A patient's own data: download it all, or erase the login and contact data."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.roles import Action
from patients import selectors
from patients.models import ErasureRecord
from patients.services import privacy


class ErasureInput(StrictSerializer):
    confirm = serializers.BooleanField(help_text="Must be true: the login stops working at once.")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("Confirm the erasure.")
        return value


class ErasureOutput(serializers.ModelSerializer):
    class Meta:
        model = ErasureRecord
        fields = ["erased_at", "removed", "retention_reason"]


class PatientExport(APIView):
    """Every record of the caller's own patient file, as JSON."""

    permission_classes = [requires(Action.PRIVACY_SELF)]

    @extend_schema(
        responses=inline_serializer(
            "PatientExport",
            {
                "patient": serializers.IntegerField(),
                "exported_at": serializers.DateTimeField(),
                "records": serializers.DictField(),
            },
        )
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.PRIVACY_SELF)
        data = privacy.patient_export(actor=actor_of(request), patient=patient)
        headers = {"Content-Disposition": f'attachment; filename="patient-{patient.pk}.json"'}
        return Response(data, headers=headers)


class PatientErasure(APIView):
    """Erase the caller's login, contact data and reminder consent. The clinical record is
    kept as the law requires; the response says why."""

    permission_classes = [requires(Action.PRIVACY_SELF)]

    @extend_schema(
        request=ErasureInput,
        responses={201: ErasureOutput, 409: OpenApiResponse(description="Already erased")},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.PRIVACY_SELF)
        validated(ErasureInput, request)
        record = privacy.patient_erase(actor=actor_of(request), patient=patient)
        return Response(ErasureOutput(record).data, status=status.HTTP_201_CREATED)
