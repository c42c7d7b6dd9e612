"""The card in admin: read-only pages; staff act through the services (actions and the limit
change form)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from cards import services as card_services
from cards.models import (
    CreditLine,
    CreditLineDraw,
    CreditLineLimitChange,
    CreditLineRepayment,
    CreditLineStatement,
    CreditLineTransfer,
    CreditLineTransition,
)
from kernel.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link
from kernel.errors import DomainError
from loans.admin.display import _money_display, payout_destination, percent_per_day, rub
from loans.admin.search import PersonalDataSearchMixin
from loans.money import MoneyError


class CreditLineDrawInline(ReadOnlyInline):
    model = CreditLineDraw
    fields = ("business_date", "kind", "amount", "merchant", "principal_left", "charges")
    readonly_fields = fields
    show_change_link = False

    amount = _money_display("amount_kop", "amount")
    principal_left = _money_display("principal_out_kop", "principal outstanding")

    @admin.display(description="charges / cap")
    def charges(self, obj):
        return f"{rub(obj.charges_kop)} / {rub(obj.charges_cap_kop)}"


class CreditLineRepaymentInline(ReadOnlyInline):
    model = CreditLineRepayment
    fields = (
        "business_date",
        "provider",
        "event_id",
        "amount",
        "interest",
        "penalty",
        "principal",
    )
    readonly_fields = fields
    show_change_link = False

    amount = _money_display("amount_kop", "amount")
    interest = _money_display("interest_kop", "to interest")
    penalty = _money_display("penalty_kop", "to penalty")
    principal = _money_display("principal_kop", "to principal")


class CreditLineStatementInline(ReadOnlyInline):
    model = CreditLineStatement
    fields = (
        "period_start",
        "period_end",
        "interest",
        "penalty",
        "closing",
        "closing_penalty",
        "minimum",
        "due_date",
        "paid",
        "status",
    )
    readonly_fields = fields
    show_change_link = False

    interest = _money_display("interest_kop", "interest of the period")
    penalty = _money_display("penalty_kop", "penalty of the period")
    closing = _money_display("closing_balance_kop", "closing balance")
    closing_penalty = _money_display("closing_penalty_kop", "penalty owed")
    minimum = _money_display("minimum_payment_kop", "minimum payment")
    paid = _money_display("paid_kop", "paid since")


class CreditLineLimitChangeInline(ReadOnlyInline):
    model = CreditLineLimitChange
    fields = ("business_date", "old_limit", "new_limit", "reason", "actor_label")
    readonly_fields = fields
    show_change_link = False

    old_limit = _money_display("old_limit_kop", "old limit")
    new_limit = _money_display("new_limit_kop", "new limit")


class CreditLineTransitionInline(ReadOnlyInline):
    model = CreditLineTransition
    fields = ("at", "transition", "source", "target", "actor_label", "reason", "business_date")
    readonly_fields = fields
    show_change_link = False


@admin.register(CreditLineTransition)
class CreditLineTransitionAdmin(ReadOnlyAdmin):
    """Who opened, froze, unfroze or closed each card, and when."""

    list_display = ("credit_line", "transition", "source", "target", "actor_label", "at")
    list_filter = ("transition",)
    search_fields = ("credit_line__id__exact", "actor_label")


@admin.register(CreditLineTransfer)
class CreditLineTransferAdmin(ReadOnlyAdmin):
    """Card transfers and what the gateway said; a failed one was reversed on the card."""

    list_display = ("id", "line", "destination", "amount", "status", "failure_reason", "created_at")
    list_filter = ("status", "method")
    list_select_related = ("draw",)
    search_fields = ("draw__credit_line__id__exact", "gateway_ref")
    exclude = ("card_token",)
    readonly_fields = ("destination",)

    @admin.display(description="credit line")
    def line(self, obj):
        return obj.draw.credit_line_id

    @admin.display(description="amount")
    def amount(self, obj):
        return rub(obj.draw.amount_kop)

    @admin.display(description="destination")
    def destination(self, obj):
        return payout_destination(obj)


@admin.register(CreditLine)
class CreditLineAdmin(PersonalDataSearchMixin, ReadOnlyAdmin):
    """Credit lines change only through `cards.services`: freezing, unfreezing and closing
    are actions; a limit change is added on the limit changes page (it calls the service)."""

    list_display = (
        "id",
        "borrower_link",
        "status",
        "limit",
        "principal_out",
        "interest_out",
        "overdue",
        "overdue_since",
        "days_past_due",
        "daily_rate",
        "opened_on",
    )
    list_filter = ("status", "freeze_reason")
    list_select_related = ("borrower",)
    search_fields = ("id__exact", "borrower__full_name", "=borrower__phone")
    inlines = (
        CreditLineTransitionInline,
        CreditLineDrawInline,
        CreditLineRepaymentInline,
        CreditLineStatementInline,
        CreditLineLimitChangeInline,
    )
    actions = ("action_freeze", "action_unfreeze", "action_close", "action_refund")
    fields = (
        "borrower_link",
        "status",
        "freeze_reason",
        "limit",
        "daily_rate",
        "psk_percent",
        "psk_money",
        "charges_cap_percent",
        "principal_out",
        "interest_out",
        "penalty_out",
        "penalty_rate",
        "charges_total",
        "overdue",
        "overdue_since",
        "days_past_due",
        "opened_on",
        "closed_on",
        "statement_day",
        "payment_due_days",
        "min_payment_principal_ppm",
        "min_payment_floor",
        "refund_owed",
        "accrued_through",
        "period_from",
        "regulation",
        "ledger_link",
    )
    readonly_fields = fields

    limit = _money_display("limit_kop", "limit")
    principal_out = _money_display("principal_out_kop", "principal outstanding")
    interest_out = _money_display("interest_out_kop", "interest outstanding")
    penalty_out = _money_display("penalty_out_kop", "penalty outstanding")
    charges_total = _money_display("charges_total_kop", "all charges so far")
    overdue = _money_display("overdue_kop", "minimum payments overdue")
    psk_money = _money_display("psk_kop", "ПСК, roubles")
    min_payment_floor = _money_display("min_payment_floor_kop", "minimum payment at least")

    def has_manage_permission(self, request):
        return request.user.has_perm("cards.change_creditline")

    @admin.display(description="borrower", ordering="borrower")
    def borrower_link(self, obj):
        return admin_link(obj.borrower)

    @admin.display(description="daily rate")
    def daily_rate(self, obj):
        return percent_per_day(obj.daily_rate_ppm)

    @admin.display(description="penalty on arrears")
    def penalty_rate(self, obj):
        if not obj.penalty_rate_num:
            return "—"
        annual = Decimal(obj.penalty_rate_num * 365 * 100) / obj.penalty_rate_den
        return f"{annual:.3f} % a year"

    @admin.display(description="owed back to the borrower")
    def refund_owed(self, obj):
        return rub(card_services.credit_line_refund_owed_kop(credit_line=obj))

    @admin.display(description="ledger")
    def ledger_link(self, obj):
        url = reverse("admin:loans_journalline_changelist") + f"?credit_line__id__exact={obj.pk}"
        return format_html('<a href="{}">journal lines of this credit line</a>', url)

    def _each(self, request, queryset, verb: str, service) -> None:
        """Call the service on each selected line as the staff user; report each refusal."""
        done = 0
        for line in queryset.order_by("pk"):
            try:
                service(credit_line=line, actor=request.user)
            except (DomainError, MoneyError) as exc:
                message = getattr(exc, "message", None) or str(exc)
                self.message_user(request, f"{line}: cannot {verb}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb}: {done} credit line(s) done", messages.SUCCESS)

    @admin.action(description="Freeze (no new draws)", permissions=["manage"])
    def action_freeze(self, request, queryset):
        self._each(request, queryset, "freeze", card_services.credit_line_freeze)

    @admin.action(description="Unfreeze", permissions=["manage"])
    def action_unfreeze(self, request, queryset):
        self._each(request, queryset, "unfreeze", card_services.credit_line_unfreeze)

    @admin.action(description="Close (nothing owed)", permissions=["manage"])
    def action_close(self, request, queryset):
        self._each(request, queryset, "close", card_services.credit_line_close)

    @admin.action(description="Refund what is owed back to the borrower", permissions=["manage"])
    def action_refund(self, request, queryset):
        self._each(request, queryset, "refund", card_services.credit_line_refund)


class CreditLineLimitChangeForm(forms.ModelForm):
    """The form asks; `credit_line_change_limit` decides (its refusal is the form's error)."""

    class Meta:
        model = CreditLineLimitChange
        fields = ("credit_line", "new_limit_kop", "reason")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.change = card_services.credit_line_change_limit(
                credit_line=data["credit_line"],
                new_limit_kop=data["new_limit_kop"],
                reason=data["reason"],
                actor=self.actor,
            )
        except (DomainError, MoneyError) as exc:
            raise forms.ValidationError(getattr(exc, "message", None) or str(exc)) from exc
        return data


@admin.register(CreditLineLimitChange)
class CreditLineLimitChangeAdmin(admin.ModelAdmin):
    """The history of limits; adding a row changes the limit through the service."""

    form = CreditLineLimitChangeForm
    list_display = ("credit_line", "old_limit", "new_limit", "reason", "actor_label", "at")
    list_select_related = ("credit_line",)
    readonly_fields = ("old_limit_kop", "actor_label", "business_date")

    old_limit = _money_display("old_limit_kop", "old limit")
    new_limit = _money_display("new_limit_kop", "new limit")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def has_add_permission(self, request):
        return request.user.has_perm("cards.change_creditline")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The service wrote the row in the form's clean(); show that one.
        obj.pk = form.change.pk
        obj.old_limit_kop = form.change.old_limit_kop
