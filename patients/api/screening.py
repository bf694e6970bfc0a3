"""Patients API (screening): thin views, input serializer -> service -> output."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.audit import audit_reads
from clinic.roles import Action
from patients import selectors, services
from patients.models import (
    SCREENING_VALID_DAYS,
    Screening,
)


class ScreeningInput(StrictSerializer):
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Every contraindication slug -> true (yes) or false (no).",
    )


class ScreeningOutput(serializers.ModelSerializer):
    answers = serializers.SerializerMethodField()
    valid_until = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = ["id", "answered_at", "confirmed_at", "valid_until", "answers"]

    def get_answers(self, s: Screening) -> dict[str, bool]:
        return {a.contraindication.slug: a.answer for a in s.answers.all()}

    def get_valid_until(self, s: Screening) -> str:
        return (s.last_confirmed + timedelta(days=SCREENING_VALID_DAYS)).isoformat()


class ScreeningListCreate(APIView):
    """The safety questionnaire: answers (dermatologist, or the patient) and new answers."""

    permission_classes = [requires(Action.SCREENING_SUBMIT)]

    @extend_schema(responses=ScreeningOutput(many=True))
    def get(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.SCREENING_VIEW)
        screenings = list(patient.screenings.prefetch_related("answers__contraindication")[:20])
        audit_reads(actor_of(request), screenings)
        return Response(ScreeningOutput(screenings, many=True).data)

    @extend_schema(request=ScreeningInput, responses={201: ScreeningOutput})
    def post(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.SCREENING_SUBMIT)
        data = validated(ScreeningInput, request)
        s = services.screening_submit(
            actor=actor_of(request), patient=patient, answers=data["answers"]
        )
        s = Screening.objects.prefetch_related("answers__contraindication").get(pk=s.pk)
        return Response(ScreeningOutput(s).data, status=status.HTTP_201_CREATED)
