from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from zaymer.models import (
    DashboardSnapshot,
    Reconciliation,
    ReconciliationDifference,
    SandboxMovement,
    SecurityPolicy,
)


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "require_admin_totp")

    def has_add_permission(self, request):
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DashboardSnapshot)
class DashboardSnapshotAdmin(admin.ModelAdmin):
    """Read-only: the nightly run and the dashboard's rebuild button write these."""

    list_display = ("business_date", "days", "built_at", "build_ms")
    list_filter = ("days",)
    fields = ("business_date", "days", "built_at", "build_ms")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReconciliationDifferenceInline(ReadOnlyInline):
    model = ReconciliationDifference
    show_change_link = False
    fields = (
        "kind",
        "movement",
        "line",
        "event_id",
        "reference",
        "provider_amount_kop",
        "provider_currency",
        "booked_amount_kop",
        "booked_on",
    )
    readonly_fields = fields


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    """Each run of `reconcile_payments`, the last first, with its differences."""

    list_display = (
        "business_date",
        "provider",
        "reconciled",
        "rows",
        "matched",
        "differences",
        "created_at",
    )
    list_filter = ("provider", "business_date")
    fields = (
        "provider",
        "business_date",
        "file_name",
        "file_sha256",
        "rows",
        "matched",
        "differences",
        "counts",
        "provider_net_kop",
        "booked_net_kop",
        "created_at",
    )
    readonly_fields = fields
    inlines = [ReconciliationDifferenceInline]

    @admin.display(description=_("reconciled"), boolean=True)
    def reconciled(self, obj: Reconciliation) -> bool:
        return obj.reconciled


@admin.register(SandboxMovement)
class SandboxMovementAdmin(ReadOnlyAdmin):
    """What the sandbox provider says it moved (its own record, the source of its report)."""

    list_display = ("business_date", "provider", "kind", "event_id", "amount_kop", "our_reference")
    list_filter = ("provider", "kind", "business_date")
    search_fields = ("event_id", "our_reference")
