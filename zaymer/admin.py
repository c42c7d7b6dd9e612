from django.contrib import admin

from zaymer.models import DashboardSnapshot, SecurityPolicy


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
