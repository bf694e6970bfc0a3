from django.contrib import admin

from clinic.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail, for managers: read-only (the database refuses edits anyway)."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "patient_id", "ip"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "object_id", "=patient_id", "ip"]
    date_hierarchy = "at"
    ordering = ["-id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
