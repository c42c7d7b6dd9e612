from django import forms
from django.utils.translation import gettext_lazy as _

from desk.audit import ObjectKind


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
