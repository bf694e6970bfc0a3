from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from clinic.audit import Actor
from clinic.errors import DomainError
from patients.models import ConsentText, Form, FormVersion, Question
from patients.services.forms import form_version_publish


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Consent texts are versioned: publish a new version, never edit an accepted one."""

    list_display = ["version", "published_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.acceptances.exists()


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1
    fields = [
        "position",
        "key",
        "text",
        "kind",
        "required",
        "choices",
        "show_if_key",
        "show_if_value",
        "contraindication",
    ]


@admin.register(Form)
class FormAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(FormVersion)
class FormVersionAdmin(admin.ModelAdmin):
    """A draft version is edited with its questions, then published (an action): from
    then on it is frozen, and a change is a new version."""

    list_display = ["form", "number", "published_at", "due_before"]
    list_filter = ["form"]
    fields = ["form", "number", "due_before", "due_treatment"]
    inlines = [QuestionInline]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.published_at is None)

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or obj.published_at is None)

    @admin.action(description=_("Publish the selected draft versions"))
    def publish(self, request, queryset) -> None:
        for version in queryset:
            try:
                form_version_publish(actor=Actor.from_request(request), version=version)
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(v)s is published.") % {"v": version})
