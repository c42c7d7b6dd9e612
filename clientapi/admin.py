"""What staff see of the borrower API: applications with their signing pauses, and the
profiles held for review because they named a passport another borrower holds."""

from django.contrib import admin, messages
from django.utils import timezone

from clientapi import profiles
from clientapi.models import LoanRequest, PassportReview, PassportReviewStatus, StaffToken
from clientapi.services import tokens
from kernel.admin import ReadOnlyAdmin, admin_link
from kernel.masking import mask_passport


class SigningLockedFilter(admin.SimpleListFilter):
    title = "signing paused"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("yes", "paused now"), ("ever", "paused at least once"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(signing_locked_until__gt=timezone.now())
        if self.value() == "ever":
            return queryset.filter(signing_locks__gt=0)
        return queryset


@admin.register(LoanRequest)
class LoanRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "loan_link",
        "created_at",
        "signing_failures",
        "signing_locks",
        "signing_locked_until",
    )
    list_filter = (SigningLockedFilter,)
    list_select_related = ("loan",)
    fields = (
        "loan",
        "account",
        "payout_destination",
        "created_at",
        "signing_failures",
        "signing_locks",
        "signing_locked_until",
    )
    search_fields = ("loan__id__exact",)

    @admin.display(description="loan")
    def loan_link(self, obj):
        return admin_link(obj.loan, f"#{obj.loan_id}")


@admin.register(PassportReview)
class PassportReviewAdmin(ReadOnlyAdmin):
    """Who named whose passport. The passport and the profile sent are shown in full only to
    staff who may change borrowers, as on the borrower's page."""

    list_filter = ("status",)
    list_select_related = ("account", "holder")
    actions = ("close_reviews",)

    @staticmethod
    def sees_personal_data(request) -> bool:
        return request.user.has_perm("loans.change_borrower")

    def _passport_field(self, request) -> str:
        return "passport" if self.sees_personal_data(request) else "masked_passport"

    def get_list_display(self, request):
        return (
            "id",
            "account",
            "holder_link",
            self._passport_field(request),
            "status",
            "created_at",
        )

    def get_fields(self, request, obj=None):
        shown = ("account", "holder_link", self._passport_field(request), "status")
        shown = (*shown, "created_at", "closed_at")
        return (*shown, "profile") if self.sees_personal_data(request) else shown

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        # The close action needs it; every field of the form is read-only.
        return request.user.has_perm("clientapi.change_passportreview")

    @admin.display(description="holder of the passport")
    def holder_link(self, obj):
        return admin_link(obj.holder, f"#{obj.holder_id}")

    @admin.display(description="passport")
    def passport(self, obj):
        return f"{obj.passport_series} {obj.passport_number}"

    @admin.display(description="passport")
    def masked_passport(self, obj):
        return mask_passport(obj.passport_series, obj.passport_number)

    @admin.action(description="Close the review: the account may apply again")
    def close_reviews(self, request, queryset):
        closed = 0
        for review in queryset.filter(status=PassportReviewStatus.PENDING):
            profiles.passport_review_close(review=review)
            closed += 1
        self.message_user(request, f"{closed} review(s) closed", messages.SUCCESS)


@admin.register(StaffToken)
class StaffTokenAdmin(ReadOnlyAdmin):
    """Issued by `manage.py staff_token`; here they are listed and revoked."""

    list_display = ("id", "user", "label", "created_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    fields = ("user", "label", "created_at", "expires_at", "revoked_at")
    actions = ("revoke_tokens",)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("clientapi.change_stafftoken")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.staff_token_revoke(token=token)
        self.message_user(request, "Revoked", messages.SUCCESS)
