"""Patients API (consent): thin views, input serializer -> service -> output.

A consent is always signed: the body carries the drawn signature as a PNG data URL (what
the signing pages' canvas sends), checked by the same service as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.roles import Action
from patients import selectors, services
from patients.consent_pdf import MAX_SIGNATURE_CHARS
from patients.models import (
    ConsentAcceptance,
)


class ConsentInput(StrictSerializer):
    version = serializers.IntegerField(min_value=1)
    signature = serializers.CharField(
        max_length=MAX_SIGNATURE_CHARS,
        help_text="The drawn signature: a PNG data URL (`data:image/png;base64,...`) with "
        "some ink on it; empty, blank or unreadable is a 400 naming `signature`.",
    )


class ConsentOutput(serializers.ModelSerializer):
    version = serializers.IntegerField(source="consent.version")
    pdf_sha256 = serializers.CharField(help_text="SHA-256 of the frozen PDF.")

    class Meta:
        model = ConsentAcceptance
        fields = ["id", "version", "accepted_at", "pdf_sha256"]


class ConsentAccept(APIView):
    """The patient signs the current treatment consent text (or reception records the
    patient's signature drawn on the desk's tablet); the PDF is frozen as on the pages
    (`GET /api/consents/{id}/pdf/`)."""

    permission_classes = [requires(Action.CONSENT_ACCEPT)]

    @extend_schema(request=ConsentInput, responses={201: ConsentOutput})
    def post(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.CONSENT_ACCEPT)
        data = validated(ConsentInput, request)
        acceptance = services.consent_sign(
            actor=actor_of(request),
            patient=patient,
            version=data["version"],
            signature=data["signature"],
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(ConsentOutput(acceptance).data, status=status.HTTP_201_CREATED)
