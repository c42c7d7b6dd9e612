"""Borrowers and the messages sent to them in the admin; personal data is masked for staff who
may not see it."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from kernel.masking import (
    mask_birth_date,
    mask_digits,
    mask_email,
    mask_name,
    mask_passport,
    mask_phone,
)
from loans.admin.display import rub
from loans.admin.documents import contract_links
from loans.admin.search import PersonalDataSearchMixin, sees_personal_data
from loans.models import Borrower, BorrowerMessage, Loan


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
