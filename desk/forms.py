from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from desk.audit import ObjectKind
from loans.money import rub_to_kop


class SearchForm(forms.Form):
    # The length and the shape of the term are judged by desk.selectors.parse_query, which
    # says what it expected; the form only carries it.
    q = forms.CharField(label=_("Phone, passport, contract number, УИд or name"), required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)


class AuditForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Object"), choices=[("", _("any")), *ObjectKind.choices], required=False
    )
    object_id = forms.IntegerField(
        label=_("Number"), min_value=1, max_value=2**63 - 1, required=False
    )
    actor = forms.CharField(label=_("Who (user name)"), max_length=150, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput({"type": "date"})
    )
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def clean(self):
        data = super().clean() or {}
        if data.get("object_id") and not data.get("kind"):
            self.add_error("kind", _("Choose the kind of object the number belongs to."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data


class _Money(forms.DecimalField):
    def __init__(self, **kwargs):
        super().__init__(min_value=Decimal("0.01"), max_digits=14, decimal_places=2, **kwargs)


def _date(label) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput({"type": "date"}))


class PaymentForm(forms.Form):
    amount_rub = _Money(label=_("Amount, ₽"))
    received_on = _date(_("Received on"))
    bank_reference = forms.CharField(label=_("Payer's bank reference"), max_length=64)
    reason = forms.CharField(label=_("Note"), max_length=500, required=False)

    def amount_kop(self) -> int:
        return rub_to_kop(self.cleaned_data["amount_rub"])


class ProlongationForm(PaymentForm):
    days = forms.IntegerField(label=_("By days"), min_value=1, max_value=365, initial=14)
    reason = forms.CharField(label=_("The borrower's request"), max_length=500)

    field_order = ["days", "amount_rub", "received_on", "bank_reference", "reason"]


class RestructuringForm(forms.Form):
    periods = forms.IntegerField(label=_("Payments"), min_value=1, max_value=24, initial=6)
    period_days = forms.IntegerField(label=_("Every, days"), min_value=1, max_value=62, initial=14)
    reason = forms.CharField(label=_("The borrower's request"), max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        max_length=500,
        required=False,
        widget=forms.TextInput({"placeholder": _("comment"), "aria-label": _("Comment")}),
    )
