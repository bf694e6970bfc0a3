"""The manager's money settings: package plans and the billing policy (refund limit,
which missed sessions use a package session). Invoices, payments and the ledger are
written by the services only, and shown read-only here."""

from django.contrib import admin

from billing.models import BillingPolicy, Deposit, Invoice, LedgerEntry, PackagePlan


@admin.register(PackagePlan)
class PackagePlanAdmin(admin.ModelAdmin):
    list_display = ["name", "sessions", "price", "valid_days", "active"]
    filter_horizontal = ["treatments"]


@admin.register(BillingPolicy)
class BillingPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "reception_refund_limit",
        "no_show_redeems_session",
        "late_cancel_redeems_session",
    ]

    def has_add_permission(self, request) -> bool:
        return not BillingPolicy.objects.exists()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "patient", "total", "issued_at"]
    search_fields = ["number"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["patient", "seq", "kind", "owed_change", "owed_after", "credit_after", "at"]


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdmin):
    list_display = ["appointment", "patient", "amount", "status", "invoice", "created_at"]
    list_filter = ["status"]
