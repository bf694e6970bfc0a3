from django.contrib import admin

from treatments.models import Contraindication, Indication, Treatment


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "body_area",
        "session_minutes",
        "price",
        "requires_device",
        "course_sessions_min",
        "course_sessions_max",
        "min_sessions_per_week",
        "recall_after_days",
        "deposit_kind",
        "is_active",
    ]
    list_editable = ["price", "recall_after_days", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["indications"]


@admin.register(Indication)
class IndicationAdmin(admin.ModelAdmin):
    list_display = ["name", "source", "source_text"]
    list_filter = ["source"]
    search_fields = ["name", "source_text"]


@admin.register(Contraindication)
class ContraindicationAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "kind", "screening_question"]
    list_filter = ["scope", "kind"]
