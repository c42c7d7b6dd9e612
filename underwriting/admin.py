from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from underwriting.models import NumberingRange, ReviewTask


@admin.register(ReviewTask)
class ReviewTaskAdmin(SimpleHistoryAdmin):
    """Read-only: tasks change through the workspace, where every action is checked."""

    list_display = ("loan", "segment", "status", "due_at", "assigned_to", "verdict", "decided_by")
    list_filter = ("status", "segment", "verdict")
    list_select_related = ("loan", "assigned_to", "decided_by")
    search_fields = ("loan__id",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NumberingRange)
class NumberingRangeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "operator", "region_name", "region")
    list_filter = ("region",)
    search_fields = ("code", "operator", "region_name")
    list_select_related = ("region",)
