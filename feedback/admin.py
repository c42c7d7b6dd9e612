from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from feedback import services
from feedback.models import FollowUpTask, LoyaltySnapshot, LoyaltyTier, PersonalOffer, Survey


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services, where every rule is checked."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = (
        "loan",
        "offered_on",
        "answered_at",
        "nps",
        "csat",
        "stage",
        "repayment",
        "repeat",
        "product",
    )
    list_filter = ("stage", "repayment", "repeat", "product", "csat")
    list_select_related = ("loan", "product")
    search_fields = ("text", "loan__id")
    date_hierarchy = "offered_at"


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(SimpleHistoryAdmin):
    """Staff pick a task, call the borrower back, note what was said and mark it done."""

    list_display = ("__str__", "survey", "nps", "status", "assignee", "created_at", "done_at")
    list_filter = ("status", "assignee")
    list_select_related = ("survey", "assignee")
    search_fields = ("survey__text", "note", "survey__loan__id")
    fields = ("survey", "nps", "answer_text", "status", "assignee", "note", "done_at")
    readonly_fields = ("survey", "nps", "answer_text", "status", "done_at")
    actions = ["mark_done"]

    @admin.display(description="NPS")
    def nps(self, task):
        return task.survey.nps

    @admin.display(description="Answer")
    def answer_text(self, task):
        return task.survey.text

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Mark done")
    def mark_done(self, request, queryset):
        for task in queryset:
            services.follow_up_done(task=task, actor=request.user)
        self.message_user(request, f"{queryset.count()} follow-up(s) done", messages.SUCCESS)


@admin.register(LoyaltyTier)
class LoyaltyTierAdmin(SimpleHistoryAdmin):
    list_display = (
        "name",
        "rank",
        "is_active",
        "min_loans_repaid",
        "min_on_time_percent",
        "max_days_past_due",
        "min_tenure_days",
        "offer_product",
        "offer_amount_limit_kop",
        "offer_rate_discount_ppm",
        "offer_valid_days",
        "credit_line_limit_kop",
        "credit_line_daily_rate_ppm",
    )
    list_filter = ("is_active",)
    list_select_related = ("offer_product",)


@admin.register(LoyaltySnapshot)
class LoyaltySnapshotAdmin(ReadOnlyAdmin):
    list_display = (
        "borrower",
        "tier",
        "loans_repaid",
        "on_time_percent",
        "max_days_past_due",
        "tenure_days",
        "computed_on",
    )
    list_filter = ("tier",)
    list_select_related = ("borrower", "tier")
    search_fields = ("borrower__id",)


@admin.register(PersonalOffer)
class PersonalOfferAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = (
        "__str__",
        "kind",
        "tier",
        "product",
        "amount_limit_kop",
        "daily_rate_ppm",
        "valid_until",
        "status",
        "loan",
        "credit_line",
    )
    list_filter = ("status", "kind", "tier", "product")
    list_select_related = ("borrower", "tier", "product", "loan", "credit_line")
    search_fields = ("borrower__id", "reason")
    date_hierarchy = "created_at"
