"""Patients API (records): thin views, input serializer -> service -> output."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import IdField, StrictSerializer, actor_of, requires, validated
from clinic.errors import Invalid
from clinic.inputs import bad_character, check_person_name
from clinic.roles import Action
from patients import clearance, selectors, services
from patients.models import (
    Language,
    Patient,
)
from treatments.models import Treatment
from treatments.selectors import treatment_list


class PatientInput(StrictSerializer):
    first_name = serializers.CharField(max_length=100, validators=[check_person_name])
    last_name = serializers.CharField(max_length=100, validators=[check_person_name])
    date_of_birth = serializers.DateField()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = PhoneNumberField(required=False, allow_blank=True, default="")
    preferred_language = serializers.ChoiceField(Language.choices, default=Language.EN)
    remind_by_email = serializers.BooleanField(default=True)
    remind_by_sms = serializers.BooleanField(default=False)
    allow_same_name_and_birth_date = serializers.BooleanField(
        default=False, help_text="Staff confirm that a same-name, same-birthday person is new."
    )


class PatientUpdateInput(StrictSerializer):
    first_name = serializers.CharField(
        max_length=100, required=False, validators=[check_person_name]
    )
    last_name = serializers.CharField(
        max_length=100, required=False, validators=[check_person_name]
    )
    date_of_birth = serializers.DateField(required=False)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = PhoneNumberField(required=False, allow_blank=True)
    preferred_language = serializers.ChoiceField(Language.choices, required=False)
    remind_by_email = serializers.BooleanField(required=False)
    remind_by_sms = serializers.BooleanField(required=False)


class PatientOutput(serializers.ModelSerializer):
    phone = serializers.CharField(source="phone.as_e164", default="", read_only=True)
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Patient
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "remind_by_email",
            "remind_by_sms",
            "has_login",
            "created_at",
        ]

    def get_has_login(self, patient: Patient) -> bool:
        return patient.user_id is not None


class ClearanceReasonOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ClearanceOutput(serializers.Serializer):
    treatment = serializers.IntegerField()
    treatment_slug = serializers.CharField()
    allowed = serializers.BooleanField()
    absolute = serializers.BooleanField()
    state = serializers.ChoiceField(
        choices=[
            clearance.ClearanceState.CLEARED,
            clearance.ClearanceState.NEEDS_QUESTIONNAIRE,
            clearance.ClearanceState.NEEDS_DERMATOLOGIST,
            clearance.ClearanceState.NOT_CLEARED,
        ]
    )
    offer = serializers.CharField(help_text="What the desk can offer instead (empty if cleared).")
    reasons = ClearanceReasonOutput(
        many=True,
        help_text="Why not. Findings (declared answers, a dermatologist's findings) are named "
        "only to the patient and clinicians; that read is audited.",
    )


class PatientDetailOutput(PatientOutput):
    clearance = serializers.SerializerMethodField()

    class Meta(PatientOutput.Meta):
        fields = [*PatientOutput.Meta.fields, "clearance"]

    @extend_schema_field(ClearanceOutput(many=True))
    def get_clearance(self, patient: Patient) -> list[dict]:
        treatments = list(treatment_list())
        results = selectors.clearance_shown_to(
            self.context["actor"], patient, clearance.clearance_map(patient, treatments)
        )
        return [clearance_payload(t, results[t.pk]) for t in treatments]


def clearance_payload(t: Treatment, result: clearance.ClearanceResult) -> dict:
    return {
        "treatment": t.pk,
        "treatment_slug": t.slug,
        "allowed": result.allowed,
        "absolute": result.absolute,
        "state": result.state,
        "offer": result.offer,
        "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
    }


def search_text(request: Request) -> str:
    """The `search` parameter, refused (400) when it holds a control character."""
    text = request.query_params.get("search", "")
    if bad_character(text) is not None:
        message = _("Remove the control characters.")
        raise Invalid(message, fields={"search": [message]})
    return text


class PatientListCreate(generics.GenericAPIView):
    """Search (by name, phone or email) and register patients. Staff only."""

    permission_classes = [requires(Action.PATIENT_LIST)]
    serializer_class = PatientOutput
    queryset = Patient.objects.none()  # the schema's model; reads go through selectors

    @extend_schema(
        parameters=[OpenApiParameter("search", str, description="name, phone or email")],
        responses=PatientOutput(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = selectors.patient_search(query=search_text(request))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PatientOutput(page, many=True).data)

    @extend_schema(request=PatientInput, responses={201: PatientOutput})
    def post(self, request: Request) -> Response:
        data = validated(PatientInput, request)
        patient = services.patient_register(actor=actor_of(request), **data)
        return Response(PatientOutput(patient).data, status=status.HTTP_201_CREATED)


class PatientDetail(APIView):
    """A patient's demographics and clearance status (staff, or the patient themself)."""

    permission_classes = [requires(Action.PATIENT_VIEW)]

    @extend_schema(responses=PatientDetailOutput)
    def get(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id)
        return Response(PatientDetailOutput(patient, context={"actor": actor_of(request)}).data)

    @extend_schema(request=PatientUpdateInput, responses=PatientOutput)
    def patch(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id)
        data = validated(PatientUpdateInput, request, partial=True)
        patient = services.patient_update(actor=actor_of(request), patient=patient, **data)
        return Response(PatientOutput(patient).data)


class MergeInput(StrictSerializer):
    duplicate = IdField(help_text="The id of the record to merge into this one.")


class PatientMerge(APIView):
    """Merge a duplicate record into this patient, moving every related record."""

    permission_classes = [requires(Action.PATIENT_MERGE)]

    @extend_schema(request=MergeInput, responses=PatientOutput)
    def post(self, request: Request, patient_id: int) -> Response:
        primary = selectors.patient_get_for(request.user, patient_id)
        data = validated(MergeInput, request)
        duplicate = selectors.patient_get_for(request.user, data["duplicate"])
        merged = services.patient_merge(
            actor=actor_of(request), primary=primary, duplicate=duplicate
        )
        return Response(PatientOutput(merged).data)
