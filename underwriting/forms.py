"""Decision forms: what an underwriter may type, checked before any service runs."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from underwriting.models import DeclineReason

MAX_RUB = Decimal("10000000")


class ApproveForm(forms.Form):
    amount_rub = forms.DecimalField(
        label=_("Amount, ₽"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=MAX_RUB,
        decimal_places=2,
        help_text=_("Empty: as asked"),
    )
    term_days = forms.IntegerField(
        label=_("Term, days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Empty: as asked"),
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def amount_kop(self) -> int | None:
        value = self.cleaned_data.get("amount_rub")
        return None if value is None else int(value * 100)


class DeclineForm(forms.Form):
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        choices=DeclineReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one reason for the decline.")},
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DocumentRequestForm(forms.Form):
    document = forms.CharField(
        label=_("Document"),
        max_length=200,
        help_text=_("e.g. a certificate of income for 6 months"),
    )
