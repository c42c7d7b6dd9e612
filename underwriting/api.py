"""The staff API of the queue: the same filters and sorting as the page."""

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission

from loans.roles import has_role
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
    held_by = serializers.CharField(source="assigned_to.username", default=None, read_only=True)
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
