"""Patients API (the manager's forms): answer the current version of a form. Thin: input
serializer -> service -> output. The output never repeats the answers, so reception,
who may enter them for a patient at the desk, never reads them back."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.roles import Action
from patients import selectors
from patients.models import FormResponse
from patients.safety_form import SAFETY_FORM
from patients.services.forms import form_response_submit


class FormAnswersInput(StrictSerializer):
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text=(
            "Question key -> answer: true/false (yes or no), one of the choices, text, "
            "a number, or a date as YYYY-MM-DD. A wrong type, a missing required answer "
            "or an answer to a question not asked is a 400 naming the question."
        ),
    )


class FormResponseOutput(serializers.ModelSerializer):
    form = serializers.CharField(source="version.form.slug")
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = FormResponse
        fields = ["id", "form", "version", "submitted_at"]


class FormResponseCreate(APIView):
    """Answers to the current version of a form (not the safety questionnaire: that is
    answered at /api/patients/{id}/screenings/, which keeps its clearance rules)."""

    permission_classes = [requires(Action.SCREENING_SUBMIT)]

    @extend_schema(request=FormAnswersInput, responses={201: FormResponseOutput})
    def post(self, request: Request, patient_id: int, slug: str) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.SCREENING_SUBMIT)
        version = selectors.form_version_current(slug, excluding=SAFETY_FORM)
        data = validated(FormAnswersInput, request)
        response = form_response_submit(
            actor=actor_of(request), patient=patient, version=version, answers=data["answers"]
        )
        return Response(FormResponseOutput(response).data, status=status.HTTP_201_CREATED)
