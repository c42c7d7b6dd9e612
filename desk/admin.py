from decimal import Decimal

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from desk.models import ServicingAction, ServicingPolicy
from kernel.admin import ReadOnlyAdmin
from loans.money import format_rub, kop_to_rub, rub_to_kop


class ServicingPolicyForm(forms.ModelForm):
    """The threshold is typed in roubles; the row keeps kopecks."""

    threshold_rub = forms.DecimalField(
        label=_("Manual payments above this need a second person, ₽"),
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
    )

    class Meta:
        model = ServicingPolicy
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threshold_rub"].initial = kop_to_rub(self.instance.payment_four_eyes_above_kop)

    def save(self, commit=True):
        self.instance.payment_four_eyes_above_kop = rub_to_kop(self.cleaned_data["threshold_rub"])
        return super().save(commit)


@admin.register(ServicingPolicy)
class ServicingPolicyAdmin(admin.ModelAdmin):
    form = ServicingPolicyForm
    list_display = ("__str__", "threshold", "updated_at")

    @admin.display(description=_("Four eyes above"))
    def threshold(self, obj: ServicingPolicy) -> str:
        return format_rub(obj.payment_four_eyes_above_kop)

    def has_add_permission(self, request):
        return not ServicingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ServicingAction)
class ServicingActionAdmin(ReadOnlyAdmin):
    """Written by the desk's servicing pages only."""

    list_display = ("pk", "loan_id", "kind", "status", "amount", "proposed_by", "decided_by")
    list_filter = ("kind", "status", "four_eyes")
    list_select_related = ("proposed_by", "decided_by")
    # The bank's reference, never a borrower's data, is what staff search by.
    search_fields = ("=bank_reference", "=loan__id")

    @admin.display(description=_("Amount"))
    def amount(self, obj: ServicingAction) -> str:
        return format_rub(obj.amount_kop) if obj.amount_kop else "—"
