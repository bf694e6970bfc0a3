"""Patients API (consultations): thin views, input serializer -> service -> output."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.api import StrictSerializer, actor_of, requires, validated
from clinic.audit import audit_reads, audit_record
from clinic.roles import Action
from patients import selectors, services
from patients.models import (
    Amendment,
    Clearance,
    Consultation,
    ContraindicationReview,
    ReviewStatus,
    SkinType,
    TreatmentPlan,
)
from treatments.models import BodyArea, Treatment


class ReviewField(StrictSerializer):
    contraindication = serializers.SlugField()
    status = serializers.ChoiceField(ReviewStatus.choices)
    area = serializers.ChoiceField(BodyArea.choices, required=False, allow_blank=True, default="")
    review_date = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PlanField(StrictSerializer):
    treatment = serializers.SlugRelatedField(slug_field="slug", queryset=Treatment.objects.all())
    sessions = serializers.IntegerField(min_value=1, max_value=60)
    sessions_per_week = serializers.IntegerField(min_value=1, max_value=7)
    program = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    home_care = serializers.CharField(required=False, allow_blank=True, default="")
    preparations = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=300
    )


class ConsultationInput(StrictSerializer):
    performed_on = serializers.DateField(required=False)
    anamnesis = serializers.CharField(required=False, allow_blank=True)
    skin_type = serializers.ChoiceField(SkinType.choices, required=False, allow_blank=True)
    fitzpatrick_type = serializers.IntegerField(
        min_value=1, max_value=6, required=False, allow_null=True
    )
    skin_concerns = serializers.CharField(required=False, allow_blank=True)
    clearance = serializers.ChoiceField(Clearance.choices, required=False, allow_blank=True)
    excluded_areas = serializers.ListField(
        child=serializers.ChoiceField(BodyArea.choices), required=False
    )
    clearance_notes = serializers.CharField(required=False, allow_blank=True)
    reviews = ReviewField(many=True, required=False)
    plans = PlanField(many=True, required=False)
    indications = serializers.ListField(child=serializers.SlugField(), required=False)
    sign = serializers.BooleanField(required=False, default=False, help_text="Sign on creation.")
    record_screening = serializers.BooleanField(
        required=False,
        default=False,
        help_text="On signing: the patient answered the safety questions in this consultation; "
        "record the review's answers (present: yes) as their questionnaire. Needed to sign a "
        "clearance when the patient has no questionnaire of the last 30 days.",
    )


class ReviewOutput(serializers.ModelSerializer):
    contraindication = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ContraindicationReview
        fields = ["contraindication", "status", "area", "review_date", "notes"]


class PlanOutput(serializers.ModelSerializer):
    treatment = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = TreatmentPlan
        fields = [
            "treatment",
            "sessions",
            "sessions_per_week",
            "program",
            "home_care",
            "preparations",
        ]


class AmendmentOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username")

    class Meta:
        model = Amendment
        fields = ["id", "author", "created_at", "reason", "changes"]


class ConsultationOutput(serializers.ModelSerializer):
    dermatologist = serializers.CharField(source="dermatologist.get_username")
    signed_by = serializers.CharField(
        source="signed_by.get_username", default=None, allow_null=True
    )
    reviews = ReviewOutput(many=True)
    plans = PlanOutput(many=True)
    indications = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    amendments = AmendmentOutput(many=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "patient",
            "dermatologist",
            "performed_on",
            "anamnesis",
            "skin_type",
            "fitzpatrick_type",
            "skin_concerns",
            "indications",
            "reviews",
            "plans",
            "clearance",
            "excluded_areas",
            "clearance_notes",
            "status",
            "signed_at",
            "signed_by",
            "amendments",
        ]


def _consultation_kwargs(data: dict) -> dict:
    data = dict(data)
    if "reviews" in data:
        data["reviews"] = [services.ReviewInput(**r) for r in data["reviews"]]
    if "plans" in data:
        data["plans"] = [services.PlanInput(**p) for p in data["plans"]]
    return data


def _reload(consultation: Consultation) -> Consultation:
    return selectors.consultation_list_base().get(pk=consultation.pk)


class ConsultationListCreate(APIView):
    """A patient's consultations (dermatologists only: clinical notes)."""

    permission_classes = [requires(Action.CONSULTATION_VIEW)]

    @extend_schema(responses=ConsultationOutput(many=True))
    def get(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.CONSULTATION_VIEW)
        consultations = list(selectors.consultation_list(patient))
        audit_reads(actor_of(request), consultations)
        return Response(ConsultationOutput(consultations, many=True).data)

    @extend_schema(request=ConsultationInput, responses={201: ConsultationOutput})
    def post(self, request: Request, patient_id: int) -> Response:
        patient = selectors.patient_get_for(request.user, patient_id, Action.CONSULTATION_WRITE)
        data = _consultation_kwargs(validated(ConsultationInput, request))
        c = services.consultation_create(actor=actor_of(request), patient=patient, **data)
        return Response(ConsultationOutput(_reload(c)).data, status=status.HTTP_201_CREATED)


class ConsultationUpdateInput(ConsultationInput):
    """Every field optional and without a default, so only what is given changes. Read
    without DRF's `partial`, which would also let a plan or review in the body leave out
    its own required fields (a plan without its treatment was a 500)."""

    sign = None
    record_screening = None


class ConsultationSignInput(StrictSerializer):
    record_screening = serializers.BooleanField(required=False, default=False)


class ConsultationDetail(APIView):
    permission_classes = [requires(Action.CONSULTATION_VIEW)]

    @extend_schema(responses=ConsultationOutput)
    def get(self, request: Request, consultation_id: int) -> Response:
        c = selectors.consultation_get_for(request.user, consultation_id)
        audit_record(actor_of(request), action="read", obj=c, patient_id=c.patient_id)
        return Response(ConsultationOutput(c).data)

    @extend_schema(request=ConsultationUpdateInput, responses=ConsultationOutput)
    def patch(self, request: Request, consultation_id: int) -> Response:
        c = selectors.consultation_get_for(request.user, consultation_id)
        data = _consultation_kwargs(validated(ConsultationUpdateInput, request))
        c = services.consultation_update(actor=actor_of(request), consultation=c, **data)
        return Response(ConsultationOutput(_reload(c)).data)


class ConsultationSign(APIView):
    permission_classes = [requires(Action.CONSULTATION_WRITE)]

    @extend_schema(request=ConsultationSignInput, responses=ConsultationOutput)
    def post(self, request: Request, consultation_id: int) -> Response:
        c = selectors.consultation_get_for(request.user, consultation_id)
        data = validated(ConsultationSignInput, request)
        c = services.consultation_sign(
            actor=actor_of(request), consultation=c, record_screening=data["record_screening"]
        )
        return Response(ConsultationOutput(_reload(c)).data)


class AmendmentChanges(StrictSerializer):
    anamnesis = serializers.CharField(required=False, allow_blank=True)
    skin_type = serializers.ChoiceField(SkinType.choices, required=False, allow_blank=True)
    fitzpatrick_type = serializers.IntegerField(
        min_value=1, max_value=6, required=False, allow_null=True
    )
    skin_concerns = serializers.CharField(required=False, allow_blank=True)
    clearance = serializers.ChoiceField(Clearance.choices, required=False)
    excluded_areas = serializers.ListField(
        child=serializers.ChoiceField(BodyArea.choices), required=False
    )
    clearance_notes = serializers.CharField(required=False, allow_blank=True)


class AmendmentInput(StrictSerializer):
    reason = serializers.CharField()
    changes = AmendmentChanges()


class ConsultationAmend(APIView):
    """Correct a signed consultation: the original is kept, the amendment says why."""

    permission_classes = [requires(Action.CONSULTATION_WRITE)]

    @extend_schema(request=AmendmentInput, responses={201: AmendmentOutput})
    def post(self, request: Request, consultation_id: int) -> Response:
        c = selectors.consultation_get_for(request.user, consultation_id)
        data = validated(AmendmentInput, request)
        amendment = services.consultation_amend(
            actor=actor_of(request), consultation=c, reason=data["reason"], changes=data["changes"]
        )
        return Response(AmendmentOutput(amendment).data, status=status.HTTP_201_CREATED)
