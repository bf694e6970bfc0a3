"""Catalog API: a plain read-only list, open to anyone."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import AllowAny

from treatments import selectors
from treatments.models import Contraindication, Indication, Treatment


class IndicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indication
        fields = ["id", "slug", "name", "source_text", "source"]


class ContraindicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contraindication
        fields = [
            "id",
            "slug",
            "name",
            "plain_description",
            "source_text",
            "scope",
            "kind",
            "screening_question",
        ]


class CourseRulesSerializer(serializers.Serializer):
    sessions_min = serializers.IntegerField(source="course_sessions_min", allow_null=True)
    sessions_max = serializers.IntegerField(source="course_sessions_max", allow_null=True)
    sessions_default = serializers.IntegerField(source="course_sessions_default", allow_null=True)
    min_sessions_per_week = serializers.IntegerField(allow_null=True)
    min_days_between_sessions = serializers.IntegerField()


class TreatmentSerializer(serializers.ModelSerializer):
    indications = IndicationSerializer(many=True)
    contraindications = serializers.SerializerMethodField()
    course = CourseRulesSerializer(source="*")

    class Meta:
        model = Treatment
        fields = [
            "id",
            "slug",
            "name",
            "summary",
            "description",
            "is_consultation",
            "body_area",
            "session_minutes",
            "price",
            "requires_device",
            "recommended_max_current_ua",
            "min_frequency_hz",
            "max_frequency_hz",
            "course",
            "indications",
            "contraindications",
        ]

    @extend_schema_field(ContraindicationSerializer(many=True))
    def get_contraindications(self, treatment: Treatment) -> list[dict]:
        if not treatment.requires_device:
            return []
        if "all_contraindications" not in self.context:  # one query for the whole list
            self.context["all_contraindications"] = ContraindicationSerializer(
                selectors.contraindication_list(), many=True
            ).data
        return list(self.context["all_contraindications"])


class TreatmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalog with indications and contraindications (anyone)."""

    serializer_class = TreatmentSerializer
    permission_classes = [AllowAny]
    pagination_class = None
    lookup_field = "slug"
    queryset = selectors.treatment_list()
    filterset_fields = ["is_consultation", "body_area", "requires_device"]
