from django.contrib import admin

from patients.models import ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Consent texts are versioned: publish a new version, never edit an accepted one."""

    list_display = ["version", "published_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.acceptances.exists()
