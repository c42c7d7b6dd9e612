"""The staff API of the queue: the same filters and sorting as the page."""

import re

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission

from kernel.roles import has_role
from underwriting import selectors
from underwriting.filters import ReviewQueueFilter, sla_state
from underwriting.models import ReviewTask
from underwriting.views import REVIEWERS


class IsReviewer(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(
            request.user and request.user.is_authenticated and has_role(request.user, *REVIEWERS)
        )


class ReviewTaskSerializer(serializers.ModelSerializer):
    loan_id = serializers.IntegerField(read_only=True)
    product = serializers.CharField(source="product.code", read_only=True)
    currency = serializers.SerializerMethodField()
    held_by = serializers.CharField(
        source="assigned_to.username", default=None, read_only=True, allow_null=True
    )
    sla_state = serializers.SerializerMethodField()

    class Meta:
        model = ReviewTask
        fields = [
            "id",
            "loan_id",
            "segment",
            "status",
            "created_at",
            "due_at",
            "sla_state",
            "product",
            "amount_kop",
            "currency",
            "term_days",
            "points",
            "pd",
            "reasons",
            "held_by",
        ]

    def get_currency(self, task) -> str:
        return "RUB"

    def get_sla_state(self, task) -> str:
        return sla_state(task, self.context["now"])


class QueuePage(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        """The default without `page_size`; 1 to 200 with it, anything else is refused (DRF
        would quietly fall back or cut it down)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise serializers.ValidationError(
                {self.page_size_query_param: f"1 to {self.max_page_size}"}, code="invalid"
            )
        return int(raw)

    def get_page_number(self, request, paginator):
        """A page number as the schema states it (`^([1-9][0-9]*|last)?$`); Python's int()
        would also take "01", "+1" or "1_0"."""
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings:
            return paginator.num_pages
        if not re.fullmatch(r"[1-9][0-9]{0,8}", raw):
            raise NotFound()
        return raw


@extend_schema(exclude=True)
class ReviewQueueList(generics.ListAPIView):
    serializer_class = ReviewTaskSerializer
    permission_classes = [IsReviewer]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReviewQueueFilter
    pagination_class = QueuePage

    def get_queryset(self):
        return selectors.queue_tasks()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}
