from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from collection import services
from collection.models import (
    CollectionCase,
    CollectionDay,
    ContactAttempt,
    ContactBan,
    ContactRule,
    PreCollectionReminder,
    PromiseToPay,
    RefusedContact,
    StateFeeBracket,
    ThirdPartyConsent,
)
from kernel.admin import ReadOnlyAdmin


@admin.register(ContactRule)
class ContactRuleAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "valid_to",
        "weekday_from",
        "weekday_until",
        "holiday_from",
        "holiday_until",
        "calls_per_day",
        "calls_per_week",
        "calls_per_month",
        "messages_per_day",
        "messages_per_week",
        "messages_per_month",
        "visits_per_week",
        "confirmed",
    )


@admin.register(StateFeeBracket)
class StateFeeBracketAdmin(admin.ModelAdmin):
    """The Tax Code's scale (art. 333.19), editable when the law changes: add rows with a new
    `valid_from` rather than editing the scale a filed claim used."""

    list_display = ("valid_from", "over_kop", "base_kop", "percent", "max_fee_kop")
    list_filter = ("valid_from",)


@admin.register(CollectionCase)
class CollectionCaseAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    """Read-only: cases change through the services, where every rule is checked."""

    list_display = (
        "__str__",
        "stage",
        "bucket",
        "days_past_due",
        "debt_kop",
        "collector",
        "strategy",
        "priority_kop",
        "next_action",
        "next_action_on",
    )
    list_filter = ("stage", "bucket", "strategy", "closing_reason")
    list_select_related = ("collector",)
    search_fields = ("loan__id",)


class AuditAdmin(ReadOnlyAdmin):
    list_select_related = ("actor",)
    search_fields = ("borrower__id", "case__id")
    date_hierarchy = "at"


@admin.register(ContactAttempt)
class ContactAttemptAdmin(AuditAdmin):
    list_display = ("at", "local_at", "channel", "outcome", "case", "actor_label")
    list_filter = ("channel", "outcome")


@admin.register(RefusedContact)
class RefusedContactAdmin(AuditAdmin):
    list_display = ("at", "channel", "reason_code", "next_allowed_at", "case", "actor_label")
    list_filter = ("channel", "reason_code")


@admin.register(PromiseToPay)
class PromiseToPayAdmin(ReadOnlyAdmin):
    list_display = ("case", "amount_kop", "promised_on", "status", "paid_kop", "resolved_on")
    list_filter = ("status",)


@admin.register(PreCollectionReminder)
class PreCollectionReminderAdmin(ReadOnlyAdmin):
    list_display = ("loan", "due_date", "lateness_probability", "method", "send_at", "status")
    list_filter = ("status", "method")


@admin.register(CollectionDay)
class CollectionDayAdmin(ReadOnlyAdmin):
    list_display = ("business_date", "finished_at", "steps")


@admin.register(ContactBan)
class ContactBanAdmin(admin.ModelAdmin):
    """New bans go through the service (a refusal needs four months overdue)."""

    list_display = ("borrower", "kind", "valid_from", "valid_to", "document", "created_by")
    list_filter = ("kind",)
    raw_id_fields = ("borrower",)
    readonly_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = services.contact_ban_add(
            borrower=obj.borrower,
            kind=obj.kind,
            valid_from=obj.valid_from,
            valid_to=obj.valid_to,
            document=obj.document,
            actor=request.user,
        )
        obj.pk = saved.pk


@admin.register(ThirdPartyConsent)
class ThirdPartyConsentAdmin(admin.ModelAdmin):
    list_display = ("borrower", "relation", "signed_on", "objected_on")
    raw_id_fields = ("borrower",)
