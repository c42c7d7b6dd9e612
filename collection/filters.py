"""The collector's worklist: its filters, search and sorting, one definition for the page and
the staff API (like the review queue's)."""

from datetime import timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collection.models import Bucket, CaseStage, Channel, CollectionCase
from collection.policy import contacts_allowed
from kernel.ordering import OrderingFilter
from loans.business_date import current_business_date

DEBT_KINDS = (("loan", _("Loans")), ("card", _("Cards")))
PROMISES = (
    ("today", _("Due today")),
    ("passed", _("Due date passed, to check")),
    ("pending", _("Any pending")),
    ("none", _("No pending promise")),
)
LAST_CONTACT = (
    ("never", _("Never contacted")),
    ("3", _("Not in 3 days")),
    ("7", _("Not in 7 days")),
    ("today", _("Contacted today")),
)
CALLABLE = (("yes", _("May be called now")), ("no", _("May not be called now")))
OPEN_STAGES = [(stage, stage.label) for stage in (CaseStage.SOFT, CaseStage.HARD, CaseStage.LEGAL)]


class CaseWorklistFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=_("Case, contract or phone"), max_length=40
    )
    stage = django_filters.ChoiceFilter(choices=OPEN_STAGES, label=_("Stage"))
    bucket = django_filters.ChoiceFilter(choices=Bucket.choices, label=_("Days past due"))
    debt = django_filters.ChoiceFilter(choices=DEBT_KINDS, method="filter_debt", label=_("Debt"))
    promise = django_filters.ChoiceFilter(
        choices=PROMISES, method="filter_promise", label=_("Promise to pay")
    )
    contact = django_filters.ChoiceFilter(
        choices=LAST_CONTACT, method="filter_contact", label=_("Last contact")
    )
    # Last of the filters: it asks the contact rules about what the others left.
    callable = django_filters.ChoiceFilter(
        choices=CALLABLE, method="filter_callable", label=_("Call under 230-FZ")
    )
    sort = OrderingFilter(
        fields=(
            ("priority_kop", "priority"),
            ("days_past_due", "dpd"),
            ("debt_kop", "debt"),
            ("next_action_on", "next"),
            ("last_contact_at", "contact"),
        ),
        field_labels={
            "priority_kop": _("Priority"),
            "days_past_due": _("Days past due"),
            "debt_kop": _("Debt"),
            "next_action_on": _("Next action"),
            "last_contact_at": _("Last contact"),
        },
        label=_("Sort"),
    )

    class Meta:
        model = CollectionCase
        fields = ()

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A number is a case, a loan or a card; a phone matches on its digits."""
        value = value.strip()
        digits = "".join(ch for ch in value if ch.isdigit())
        if not digits:
            return queryset.none()
        if len(digits) >= 10:
            return queryset.filter(borrower__phone__endswith=digits[-10:])
        number = int(digits)
        return queryset.filter(Q(pk=number) | Q(loan_id=number) | Q(credit_line_id=number))

    def filter_debt(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(loan__isnull=value != "loan")

    def filter_promise(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        today = current_business_date()
        if value == "today":
            return queryset.filter(pending_promise_on=today)
        if value == "passed":
            return queryset.filter(pending_promise_on__lt=today)
        if value == "pending":
            return queryset.filter(pending_promise_on__isnull=False)
        return queryset.filter(pending_promise_on__isnull=True)

    def filter_contact(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == "never":
            return queryset.filter(last_contact_at__isnull=True)
        if value == "today":
            return queryset.filter(last_contact_at__gte=now - timedelta(hours=24))
        since = now - timedelta(days=int(value))
        return queryset.filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=since))

    def filter_callable(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        cases = list(queryset.select_related("borrower"))
        verdicts = contacts_allowed(cases=cases, channel=Channel.CALL, at=timezone.now())
        wanted = value == "yes"
        return queryset.filter(
            pk__in=[pk for pk, verdict in verdicts.items() if verdict.allowed == wanted]
        )
