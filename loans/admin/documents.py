"""The admin of the documents: stored ones are read-only; the lender's details are edited by an
administrator (one row)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from loans.models import ContractDocument, LenderDetails, Loan


def document_link(loan: Loan, name: str, label: str | Promise) -> str:
    url = reverse("loans:loan-document", kwargs={"loan_id": loan.pk, "name": name})
    return format_html('<a href="{}">{}</a>', url, label)


def contract_links(loan: Loan) -> str:
    """Links to the loan's contract and schedule, once there is a contract to show."""
    if loan.signed_at is None and loan.status != "approved":
        return "—"
    return format_html(
        "{} · {}",
        document_link(loan, "contract", _("contract (PDF)")),
        document_link(loan, "schedule", _("schedule (PDF)")),
    )


class ContractDocumentInline(ReadOnlyInline):
    model = ContractDocument
    show_change_link = False
    fields = ("kind", "template_version", "sha256", "created_at", "pdf_link")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html", "pdf", "terms")

    @admin.display(description=_("PDF"))
    def pdf_link(self, obj):
        url = reverse("loans:stored-document", kwargs={"pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("open"))


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyAdmin):
    list_display = ("id", "loan", "kind", "template_version", "sha256", "created_at", "pdf_link")
    list_filter = ("kind", "template_version")
    search_fields = ("=loan__id", "=sha256")
    fields = ("loan", "kind", "template_version", "sha256", "pdf_sha256", "created_at", "pdf_link")
    readonly_fields = fields
    pdf_link = ContractDocumentInline.pdf_link

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html", "pdf", "terms")


@admin.register(LenderDetails)
class LenderDetailsAdmin(admin.ModelAdmin):
    """One row: the list opens it; it cannot be added twice or deleted."""

    list_display = ("short_name", "ogrn", "inn", "updated_at")

    def has_add_permission(self, request):
        return not LenderDetails.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
