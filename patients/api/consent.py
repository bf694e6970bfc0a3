"""Patients API (consent): thin views, input serializer -> service -> output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.roles import Action
from patients import selectors, services
from patients.models import (
    ConsentAcceptance,
)


class ConsentInput(StrictSerializer):
    version = serializers.IntegerField(min_value=1)


class ConsentOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="consent.version")

    class Meta:
        model = ConsentAcceptance
        fields = ["version", "accepted_at"]


class ConsentAccept(APIView):
    """The patient accepts the current treatment consent text."""

    permission_classes = [requires(Action.CONSENT_ACCEPT)]

    @extend_schema(request=ConsentInput, responses={201: ConsentOutput})
    def post(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.CONSENT_ACCEPT)
        data = validated(ConsentInput, request)
        acceptance = services.consent_accept(
            actor=actor_of(request), patient=patient, version=data["version"]
        )
        return Response(ConsentOutput(acceptance).data, status=status.HTTP_201_CREATED)
