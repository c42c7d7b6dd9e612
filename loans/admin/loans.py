"""Loans in the admin. A loan is never edited through a form: its transitions are admin actions
that call `loans.services`, each refusal reported per loan (never a 500)."""

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django_fsm import ConcurrentTransition
from simple_history.admin import SimpleHistoryAdmin

from kernel.admin import ReadOnlyInline, admin_link
from kernel.errors import DomainError
from loans import services
from loans.admin.display import (
    _money_display,
    payout_destination,
    percent_per_day,
    rub,
)
from loans.admin.documents import ContractDocumentInline, contract_links
from loans.admin.search import PersonalDataSearchMixin
from loans.models import IncomingPayment, Loan, PayoutOrder, ScheduleItem, TransitionLog
from loans.money import MoneyError

ADMIN_REASON = "by staff in admin"


class PrincipalFilter(admin.SimpleListFilter):
    title = "principal"
    parameter_name = "principal"
    buckets = {
        "lt5k": ("up to 5 000 ₽", Q(principal_kop__lte=500_000)),
        "5-15k": ("5 000 – 15 000 ₽", Q(principal_kop__gt=500_000, principal_kop__lte=1_500_000)),
        "15-30k": (
            "15 000 – 30 000 ₽",
            Q(principal_kop__gt=1_500_000, principal_kop__lte=3_000_000),
        ),
        "30-100k": (
            "30 000 – 100 000 ₽",
            Q(principal_kop__gt=3_000_000, principal_kop__lte=10_000_000),
        ),
        "gt100k": ("above 100 000 ₽", Q(principal_kop__gt=10_000_000)),
        "none": ("not approved yet", Q(principal_kop__isnull=True)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.buckets.items()]

    def queryset(self, request, queryset):
        bucket = self.buckets.get(self.value() or "")
        return queryset.filter(bucket[1]) if bucket else queryset


class DaysPastDueFilter(admin.SimpleListFilter):
    title = "days past due"
    parameter_name = "dpd"
    buckets = {
        "0": ("current (0)", Q(days_past_due=0)),
        "1-30": ("1–30", Q(days_past_due__gte=1, days_past_due__lte=30)),
        "31-60": ("31–60", Q(days_past_due__gte=31, days_past_due__lte=60)),
        "61-90": ("61–90", Q(days_past_due__gte=61, days_past_due__lte=90)),
        "90+": ("over 90", Q(days_past_due__gt=90)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.buckets.items()]

    def queryset(self, request, queryset):
        bucket = self.buckets.get(self.value() or "")
        return queryset.filter(bucket[1]) if bucket else queryset


class ScheduleInline(ReadOnlyInline):
    """The schedule in force (the loan's current schedule version)."""

    model = ScheduleItem
    verbose_name_plural = "schedule (current version)"
    show_change_link = False
    fields = ("version", "seq", "due_date", "principal", "interest", "arrears", "total")
    readonly_fields = fields
    parent_loan: Loan | None = None

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.parent_loan is not None:
            queryset = queryset.filter(version=self.parent_loan.schedule_version)
        return queryset

    @admin.display(description="principal")
    def principal(self, obj):
        return rub(obj.principal_kop)

    @admin.display(description="interest")
    def interest(self, obj):
        return rub(obj.interest_kop)

    @admin.display(description="arrears")
    def arrears(self, obj):
        return rub(obj.arrears_kop)

    @admin.display(description="total")
    def total(self, obj):
        return rub(obj.total_kop)


class TransitionInline(ReadOnlyInline):
    model = TransitionLog
    verbose_name_plural = "transition log"
    show_change_link = False
    fields = ("at", "business_date", "transition", "source", "target", "actor_label", "reason")
    readonly_fields = fields


class PayoutInline(ReadOnlyInline):
    model = PayoutOrder
    fields = (
        "attempt",
        "method",
        "destination",
        "amount",
        "status",
        "failure_reason",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description="amount")
    def amount(self, obj):
        return rub(obj.amount_kop)

    @admin.display(description="destination")
    def destination(self, obj):
        return payout_destination(obj)


class PaymentInline(ReadOnlyInline):
    model = IncomingPayment
    verbose_name_plural = "incoming payments"
    fields = ("business_date", "provider", "event_id", "amount", "received_at")
    readonly_fields = fields

    @admin.display(description="amount")
    def amount(self, obj):
        return rub(obj.amount_kop)


@admin.register(Loan)
class LoanAdmin(PersonalDataSearchMixin, SimpleHistoryAdmin):
    """Loans are never edited in a form: the actions call the services (DESIGN.md)."""

    list_display = (
        "id",
        "borrower_link",
        "product",
        "status",
        "requested",
        "principal",
        "debt",
        "days_past_due",
        "next_due_date",
        "signed_on",
    )
    list_filter = ("status", "product", PrincipalFilter, DaysPastDueFilter, "restructured")
    list_select_related = ("borrower", "product")
    search_fields = ("id__exact", "borrower__full_name", "=borrower__phone", "=credit_uid")
    date_hierarchy = "applied_at"
    inlines = (
        ScheduleInline,
        TransitionInline,
        PayoutInline,
        PaymentInline,
        ContractDocumentInline,
    )
    actions = (
        "action_score",
        "action_refer",
        "action_approve",
        "action_decline",
        "action_cancel",
        "action_sign",
        "action_write_off",
    )

    requested = _money_display("requested_amount_kop", "requested")
    principal = _money_display("principal_kop", "principal")
    principal_out = _money_display("principal_out_kop", "principal outstanding")
    interest_out = _money_display("interest_out_kop", "interest outstanding")
    penalty_out = _money_display("penalty_out_kop", "penalty outstanding")
    fees_out = _money_display("fees_out_kop", "fees outstanding")
    overpayment = _money_display("overpayment_kop", "overpayment held")
    charges_total = _money_display("charges_total_kop", "all charges so far")
    charges_cap = _money_display("charges_cap_kop", "cap on all charges")
    psk_money = _money_display("psk_kop", "ПСК, roubles")
    interest_overdue = _money_display("interest_overdue_kop", "overdue interest")
    principal_overdue = _money_display("principal_overdue_kop", "overdue principal")
    due_passed = _money_display("due_passed_kop", "scheduled amounts now due")
    paid_debt = _money_display("paid_debt_kop", "paid toward this schedule")

    fieldsets = (
        (
            "Application",
            {
                "fields": (
                    "borrower_link",
                    "product",
                    "status",
                    "requested",
                    "requested_term_days",
                    "applied_at",
                )
            },
        ),
        (
            "Contract",
            {
                "fields": (
                    "credit_uid",
                    "principal",
                    "daily_rate",
                    "term_days",
                    "period_days",
                    "signed_at",
                    "signed_on",
                    "issue_date",
                    "maturity_date",
                    "psk_percent",
                    "psk_money",
                    "charges_cap",
                    "regulation",
                    "penalty_mode",
                    "prolongations",
                    "max_prolongations",
                    "schedule_version",
                    "restructured",
                    "documents",
                )
            },
        ),
        (
            "Balances",
            {
                "fields": (
                    "debt",
                    "principal_out",
                    "interest_out",
                    "penalty_out",
                    "fees_out",
                    "overpayment",
                    "charges_total",
                    "ledger_link",
                )
            },
        ),
        (
            "Servicing",
            {
                "fields": (
                    "next_due_date",
                    "due_passed",
                    "paid_debt",
                    "interest_overdue",
                    "principal_overdue",
                    "overdue_since",
                    "days_past_due",
                    "accrued_through",
                    "penalties_stopped",
                    "interest_stopped",
                    "closed_on",
                )
            },
        ),
    )
    readonly_fields = (
        "borrower_link",
        "credit_uid",
        "requested",
        "principal",
        "documents",
        "daily_rate",
        "psk_money",
        "charges_cap",
        "debt",
        "principal_out",
        "interest_out",
        "penalty_out",
        "fees_out",
        "overpayment",
        "charges_total",
        "ledger_link",
        "due_passed",
        "paid_debt",
        "interest_overdue",
        "principal_overdue",
    )

    # A loan changes only through its services: no add, edit, delete or history revert.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_transition_permission(self, request):
        return request.user.has_perm("loans.change_loan")

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            if isinstance(inline, ScheduleInline):
                inline.parent_loan = obj
        return inlines

    @admin.display(description="borrower", ordering="borrower")
    def borrower_link(self, obj):
        return admin_link(obj.borrower)

    @admin.display(description="debt")
    def debt(self, obj):
        return rub(obj.debt_kop)

    @admin.display(description="daily rate")
    def daily_rate(self, obj):
        return percent_per_day(obj.daily_rate_ppm)

    @admin.display(description="documents")
    def documents(self, obj):
        return contract_links(obj)

    @admin.display(description="ledger")
    def ledger_link(self, obj):
        url = reverse("admin:loans_journalline_changelist") + f"?loan__id__exact={obj.pk}"
        return format_html('<a href="{}">journal lines of this loan</a>', url)

    # --- transitions as actions ----------------------------------------------------------

    def _transition_each(self, request, queryset, verb: str, call) -> None:
        done = 0
        for loan in queryset.select_related("borrower", "product").order_by("pk"):
            try:
                call(loan)
            except (DomainError, MoneyError, ConcurrentTransition) as exc:
                message = getattr(exc, "message", None) or str(exc)
                self.message_user(request, f"{loan}: cannot {verb}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb}: {done} loan(s) done", messages.SUCCESS)

    @admin.action(description="Score (applied → scored)", permissions=["transition"])
    def action_score(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "score",
            lambda loan: services.loan_score(loan=loan, actor=request.user),
        )

    @admin.action(
        description="Refer to underwriting (scored → in review)", permissions=["transition"]
    )
    def action_refer(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "refer",
            lambda loan: services.loan_refer(loan=loan, reason=ADMIN_REASON, actor=request.user),
        )

    @admin.action(description="Approve with the requested terms", permissions=["transition"])
    def action_approve(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "approve",
            lambda loan: services.loan_approve(loan=loan, actor=request.user, reason=ADMIN_REASON),
        )

    @admin.action(description="Decline", permissions=["transition"])
    def action_decline(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "decline",
            lambda loan: services.loan_decline(loan=loan, reason=ADMIN_REASON, actor=request.user),
        )

    @admin.action(description="Cancel the application or offer", permissions=["transition"])
    def action_cancel(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "cancel",
            lambda loan: services.loan_cancel(loan=loan, reason=ADMIN_REASON, actor=request.user),
        )

    @admin.action(description="Sign the approved offer", permissions=["transition"])
    def action_sign(self, request, queryset):
        bureau_check = import_string(settings.SIGNING_BUREAU_CHECK)

        def sign(loan):
            bureau_check(loan=loan)  # the bureaus again when their answer is stale
            return services.loan_sign(loan=loan, actor=request.user)

        self._transition_each(request, queryset, "sign", sign)

    @admin.action(description="Write off (overdue loans only)", permissions=["transition"])
    def action_write_off(self, request, queryset):
        self._transition_each(
            request,
            queryset,
            "write off",
            lambda loan: services.loan_write_off(
                loan=loan, reason=ADMIN_REASON, actor=request.user
            ),
        )
