"""The double-entry ledger and close-of-business runs in the admin, read only."""

from django.contrib import admin

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from loans.admin.display import _money_display, rub
from loans.models import BusinessDate, CobRun, JournalEntry, JournalLine


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    show_change_link = False
    fields = ("account", "loan", "amount")
    readonly_fields = fields

    @admin.display(description="amount (debit +, credit −)")
    def amount(self, obj):
        return rub(obj.amount_kop)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "key", "kind", "loan", "business_date", "created_at")
    list_filter = ("kind",)
    list_select_related = ("loan",)
    search_fields = ("=key", "loan__id__exact")
    date_hierarchy = "business_date"
    inlines = (JournalLineInline,)
    show_full_result_count = False


@admin.register(JournalLine)
class JournalLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "entry", "business_date", "account", "loan", "amount")
    list_filter = ("account", "entry__kind")
    list_select_related = ("entry", "loan")
    search_fields = ("loan__id__exact", "=entry__key")
    show_full_result_count = False

    amount = _money_display("amount_kop", "amount (debit +, credit −)")

    @admin.display(description="business date", ordering="entry__business_date")
    def business_date(self, obj):
        return obj.entry.business_date


@admin.register(BusinessDate)
class BusinessDateAdmin(ReadOnlyAdmin):
    list_display = ("date",)


@admin.register(CobRun)
class CobRunAdmin(ReadOnlyAdmin):
    list_display = ("business_date", "started_at", "finished_at", "summary")
    date_hierarchy = "business_date"

    @admin.display(description="steps")
    def summary(self, obj):
        return ", ".join(
            f"{name}: {step.get('rows', 0)} rows / {step.get('seconds', 0)} s"
            for name, step in (obj.steps or {}).items()
        )
