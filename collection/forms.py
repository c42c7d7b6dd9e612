"""What a collector may type on the case page, checked before any service runs."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from collection.models import Channel, Outcome

LOGGED_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.SENT]


class ContactForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=LOGGED_OUTCOMES)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class PromiseForm(forms.Form):
    amount_rub = forms.DecimalField(
        label=_("Amount, ₽"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    promised_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def amount_kop(self) -> int:
        return int(self.cleaned_data["amount_rub"] * 100)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), max_length=600, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReassignForm(forms.Form):
    collector = forms.ModelChoiceField(label=_("Collector"), queryset=None)
    reason = forms.CharField(label=_("Why"), max_length=200)

    def __init__(self, *args, collectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = collectors


class RestructuringForm(forms.Form):
    periods = forms.IntegerField(label=_("Payments"), min_value=1, max_value=24, initial=6)
    period_days = forms.IntegerField(label=_("Every, days"), min_value=7, max_value=31, initial=14)
