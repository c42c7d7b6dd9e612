"""The borrower accepts the restructuring a collector offered: the loan becomes a plan and its
collection case closes. On the top floor because it joins the API and collection."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from clientapi import api as client_api
from clientapi import serializers as client_serializers
from clientapi.errors import ApiError
from clientapi.idempotency import idempotent
from collection import services as collection_services
from collection.models import OPEN_CASE, CollectionCase
from loans import selectors as loan_selectors


class LoanViewSet(client_api.LoanViewSet):
    @extend_schema(
        request=None,
        parameters=[client_api.IDEMPOTENCY_PARAMETER],
        responses={200: client_serializers.LoanDetailSerializer, **client_api.errors(409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="restructuring-accept")
    @idempotent
    def restructuring_accept(self, request, pk=None):
        """Accept the installment plan offered for this overdue loan (see the offer's SMS)."""
        loan = self._loan()
        case = CollectionCase.objects.filter(OPEN_CASE, loan=loan).first()
        if case is None:
            raise ApiError("no_offer", status_code=409)
        loan = collection_services.case_restructuring_accept(case=case)
        context = {
            "schedule": loan_selectors.current_schedule(loan=loan),
            "payments": loan_selectors.loan_payments(loan=loan),
        }
        return Response(client_serializers.LoanDetailSerializer(loan, context=context).data)
