"""What the services wrote about a loan, read only: its schedules, transition log, payouts,
incoming payments and restructuring requests."""

from django.contrib import admin

from kernel.admin import ReadOnlyAdmin
from loans.admin.display import _money_display, payout_destination
from loans.models import (
    IncomingPayment,
    PayoutOrder,
    RestructuringRequest,
    ScheduleItem,
    TransitionLog,
)


@admin.register(ScheduleItem)
class ScheduleItemAdmin(ReadOnlyAdmin):
    list_display = (
        "loan",
        "version",
        "seq",
        "due_date",
        "principal",
        "interest",
        "arrears",
        "total",
    )
    list_filter = ("version",)
    list_select_related = ("loan",)
    search_fields = ("loan__id__exact",)
    date_hierarchy = "due_date"
    show_full_result_count = False

    principal = _money_display("principal_kop", "principal")
    interest = _money_display("interest_kop", "interest")
    arrears = _money_display("arrears_kop", "arrears")
    total = _money_display("total_kop", "total")


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "business_date",
        "loan",
        "transition",
        "source",
        "target",
        "actor_label",
        "reason",
    )
    list_filter = ("transition", "target", "actor_label")
    list_select_related = ("loan",)
    search_fields = ("loan__id__exact", "actor_label", "reason")
    date_hierarchy = "business_date"
    show_full_result_count = False


@admin.register(PayoutOrder)
class PayoutOrderAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "loan",
        "attempt",
        "method",
        "destination",
        "amount",
        "status",
        "failure_reason",
        "created_at",
    )
    list_filter = ("status", "method")
    list_select_related = ("loan",)
    search_fields = ("loan__id__exact", "gateway_ref")
    exclude = ("card_token",)
    readonly_fields = ("destination",)

    amount = _money_display("amount_kop", "amount")

    @admin.display(description="destination")
    def destination(self, obj):
        return payout_destination(obj)


@admin.register(IncomingPayment)
class IncomingPaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "provider", "event_id", "loan", "amount", "business_date", "received_at")
    list_filter = ("provider",)
    list_select_related = ("loan",)
    search_fields = ("event_id", "loan__id__exact")
    date_hierarchy = "business_date"
    show_full_result_count = False

    amount = _money_display("amount_kop", "amount")


@admin.register(RestructuringRequest)
class RestructuringRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "loan", "periods", "period_days", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("loan",)
    search_fields = ("loan__id__exact",)
