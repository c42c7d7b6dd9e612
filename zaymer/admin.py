from django.contrib import admin

from zaymer.models import DashboardSnapshot, SecurityPolicy, TotpDevice


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "require_admin_totp")

    def has_add_permission(self, request):
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TotpDevice)
class TotpDeviceAdmin(admin.ModelAdmin):
    """Deleting a device makes its owner enrol again (a lost phone); the key is never shown."""

    list_display = ("user", "confirmed_at")
    fields = ("user", "confirmed_at")
    readonly_fields = ("user", "confirmed_at")
    list_select_related = ("user",)

    def has_add_permission(self, request):
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
