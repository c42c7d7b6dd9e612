"""Django admin for the loan core.

The admin stays thin: a loan is never edited through a form. Its transitions are admin actions
that call `loans.services` (each refusal is reported per loan, never a 500), balances are
written only by the services and close-of-business, and ledger rows are read-only. Money is
shown in roubles.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django_fsm import ConcurrentTransition
from simple_history.admin import SimpleHistoryAdmin

from kernel.admin import EMPTY, ReadOnlyAdmin, ReadOnlyInline, admin_link
from kernel.errors import DomainError
from kernel.masking import (
    mask_birth_date,
    mask_digits,
    mask_email,
    mask_name,
    mask_passport,
    mask_phone,
)
from loans import services
from loans.admin_documents import ContractDocumentInline, contract_links
from loans.admin_search import PersonalDataSearchMixin, sees_personal_data
from loans.models import (
    Borrower,
    BorrowerMessage,
    BusinessDate,
    CobRun,
    IncomingPayment,
    JournalEntry,
    JournalLine,
    Loan,
    MarketAveragePsk,
    PayoutOrder,
    Product,
    Region,
    RegulationLimit,
    RestructuringRequest,
    ScheduleItem,
    TransitionLog,
)
from loans.models.payments import PaidOut
from loans.money import MoneyError, format_rub

ADMIN_REASON = "by staff in admin"


def rub(kop: int | None) -> str:
    return EMPTY if kop is None else format_rub(kop)


def percent_per_day(ppm: int | None) -> str:
    return EMPTY if ppm is None else f"{ppm / 10_000:.4g} %"


# --- reference data ----------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_zone", "average_income")
    search_fields = ("code", "name")

    @admin.display(description="average income / month", ordering="average_income_kop")
    def average_income(self, obj):
        return rub(obj.average_income_kop)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "amounts",
        "terms",
        "daily_rate",
        "period_days",
        "max_prolongations",
        "repeat_only",
        "is_active",
    )
    list_filter = ("kind", "repeat_only", "is_active")
    search_fields = ("code", "name")

    @admin.display(description="amount")
    def amounts(self, obj):
        return f"{rub(obj.min_amount_kop)} – {rub(obj.max_amount_kop)}"

    @admin.display(description="term, days")
    def terms(self, obj):
        return f"{obj.min_term_days}–{obj.max_term_days}"

    @admin.display(description="daily rate", ordering="daily_rate_ppm")
    def daily_rate(self, obj):
        return percent_per_day(obj.daily_rate_ppm)


@admin.register(RegulationLimit)
class RegulationLimitAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "valid_to",
        "max_daily_rate",
        "max_psk_percent",
        "market_psk_check_enabled",
        "charges_cap_multiplier",
        "high_psk_threshold_percent",
        "max_high_psk_loans",
        "cooling_off_days",
        "confirmed",
    )
    list_filter = ("confirmed", "market_psk_check_enabled")

    @admin.display(description="max daily rate", ordering="max_daily_rate_ppm")
    def max_daily_rate(self, obj):
        return percent_per_day(obj.max_daily_rate_ppm)


@admin.register(MarketAveragePsk)
class MarketAveragePskAdmin(admin.ModelAdmin):
    list_display = ("category", "valid_from", "average_percent")
    list_filter = ("category",)


# --- borrowers ---------------------------------------------------------------------------


class BorrowerLoanInline(ReadOnlyInline):
    model = Loan
    fk_name = "borrower"
    fields = (
        "product",
        "status",
        "principal",
        "debt",
        "days_past_due",
        "signed_on",
        "closed_on",
        "documents",
    )
    readonly_fields = fields
    ordering = ("-pk",)

    @admin.display(description="documents")
    def documents(self, obj):
        return contract_links(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description="principal")
    def principal(self, obj):
        return rub(obj.principal_kop)

    @admin.display(description="debt")
    def debt(self, obj):
        return rub(obj.debt_kop)


PII_FIELDS = ("full_name", "birth_date", "phone", "email", "passport_series", "passport_number")


@admin.register(Borrower)
class BorrowerAdmin(PersonalDataSearchMixin, SimpleHistoryAdmin):
    """Full personal data only for staff who may change borrowers; others see it masked."""

    list_filter = ("region", "employment", "self_ban_active")
    search_fields = ("id__exact", "full_name", "=phone", "=passport_number")
    list_select_related = ("region",)
    inlines = (BorrowerLoanInline,)
    masked_fields = (
        "masked_name",
        "masked_birth_year",
        "masked_phone",
        "masked_email",
        "masked_passport",
    )
    other_fields = (
        "region",
        "time_zone",
        "employment",
        "declared_income_kop",
        "confirmed_income_kop",
        "self_ban_active",
        "self_ban_checked_at",
    )

    @staticmethod
    def sees_personal_data(request) -> bool:
        return sees_personal_data(request.user)

    def get_list_display(self, request):
        who = (
            ("full_name", "phone")
            if self.sees_personal_data(request)
            else ("masked_name", "masked_phone")
        )
        return ("id", *who, "region", "employment", "income", "self_ban_active", "created_at")

    def get_fields(self, request, obj=None):
        if self.sees_personal_data(request):
            return (*PII_FIELDS, *self.other_fields)
        return (*self.masked_fields, *self.other_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.masked_fields

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.sees_personal_data(request):
            raise PermissionDenied("Past versions show unmasked personal data")
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description="declared income", ordering="declared_income_kop")
    def income(self, obj):
        return rub(obj.declared_income_kop)

    @admin.display(description="full name")
    def masked_name(self, obj):
        return mask_name(obj.full_name)

    @admin.display(description="year of birth")
    def masked_birth_year(self, obj):
        return mask_birth_date(obj.birth_date)

    @admin.display(description="phone")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description="email")
    def masked_email(self, obj):
        return mask_email(obj.email)

    @admin.display(description="passport")
    def masked_passport(self, obj):
        return mask_passport(obj.passport_series, obj.passport_number)


# --- loans -------------------------------------------------------------------------------


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
        bucket = self.buckets.get(self.value())
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
        bucket = self.buckets.get(self.value())
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


def payout_destination(payout: PaidOut) -> str:
    if payout.card_last4:
        return f"card •••• {payout.card_last4}"
    if payout.account_number:
        return f"account •••{payout.account_number[-4:]}, BIK {payout.bik}"
    return EMPTY


def _money_display(field: str, description: str):
    @admin.display(description=description, ordering=field)
    def show(self, obj):
        return rub(getattr(obj, field))

    return show


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


# --- schedule, log, payouts, payments ----------------------------------------------------


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


# --- borrower messages -------------------------------------------------------------------


@admin.register(BorrowerMessage)
class BorrowerMessageAdmin(PersonalDataSearchMixin, ReadOnlyAdmin):
    """The outbox. A one-time code is readable only in development (DEBUG); elsewhere masked."""

    list_display = (
        "id",
        "created_at",
        "send_after",
        "phone",
        "kind",
        "shown_body",
        "status",
        "attempts",
    )
    list_filter = ("status", "kind")
    search_fields = ("phone", "borrower__id__exact")
    exclude = ("body",)
    readonly_fields = ("shown_body",)
    show_full_result_count = False

    @admin.display(description="body")
    def shown_body(self, obj):
        return obj.body if settings.DEBUG or not obj.carries_code else mask_digits(obj.body)


# --- ledger and close-of-business --------------------------------------------------------


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


# The production calendar's and credit-history reporting's admins register with this module.
from loans import admin_bureau, admin_calendar  # noqa: E402, F401
