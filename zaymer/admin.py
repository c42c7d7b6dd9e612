from django.contrib import admin

from zaymer.models import SecurityPolicy, TotpDevice


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
