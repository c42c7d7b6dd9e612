"""The queue's filters and sorting: one definition for the page and the staff API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kernel.ordering import OrderingFilter
from loans.models import Product
from underwriting.models import ReviewTask, Segment, TaskStatus

SLA_STATES = (
    ("ok", _("On time")),
    ("near", _("Nearing the deadline")),
    ("breached", _("Deadline passed")),
)
HOLDERS = (("free", _("Nobody")), ("mine", _("Me")), ("others", _("Someone else")))


def sla_state(task: ReviewTask, now) -> str:
    if now >= task.due_at:
        return "breached"
    if now >= task.warn_at:
        return "near"
    return "ok"


class ReviewQueueFilter(django_filters.FilterSet):
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("Segment"))
    product = django_filters.ModelChoiceFilter(
        field_name="product",
        queryset=Product.objects.order_by("code"),
        to_field_name="code",
        label=_("Product"),
    )
    status = django_filters.ChoiceFilter(
        choices=[(TaskStatus.OPEN, TaskStatus.OPEN.label), (TaskStatus.WAITING, _("Waiting"))],
        label=_("Status"),
    )
    sla = django_filters.ChoiceFilter(choices=SLA_STATES, method="filter_sla", label=_("SLA"))
    holder = django_filters.ChoiceFilter(
        choices=HOLDERS, method="filter_holder", label=_("Held by")
    )
    sort = OrderingFilter(
        fields=(
            ("due_at", "deadline"),
            ("created_at", "referred"),
            ("amount_kop", "amount"),
            ("points", "score"),
            ("product__code", "product"),
        ),
        field_labels={
            "due_at": _("Deadline"),
            "created_at": _("Referred"),
            "amount_kop": _("Amount"),
            "points": _("Score"),
            "product__code": _("Product"),
        },
        label=_("Sort"),
    )

    class Meta:
        model = ReviewTask
        fields = ()

    def filter_sla(self, queryset, name, value):
        now = timezone.now()
        if value == "breached":
            return queryset.filter(due_at__lte=now)
        if value == "near":
            return queryset.filter(warn_at__lte=now, due_at__gt=now)
        return queryset.filter(warn_at__gt=now)

    def filter_holder(self, queryset, name, value):
        if value == "free":
            return queryset.filter(assigned_to__isnull=True)
        user = getattr(self.request, "user", None)
        mine = Q(assigned_to=user) if user is not None and user.is_authenticated else Q(pk=None)
        if value == "mine":
            return queryset.filter(mine)
        return queryset.filter(assigned_to__isnull=False).exclude(mine)
