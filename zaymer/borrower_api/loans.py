"""The borrower's loans: schedule and balances, repayments, prolongations and restructuring.
Accepting the restructuring a collector offered joins collection, so the viewset lives on the
top floor."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clientapi import selectors
from clientapi import serializers as s
from clientapi.api import IDEMPOTENCY_PARAMETER, BorrowerApi, errors, valid
from clientapi.errors import ApiError
from clientapi.idempotency import idempotent
from clientapi.services import payments
from collection import services as collection_services
from collection.models import OPEN_CASE, CollectionCase
from loans import selectors as loan_selectors
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.errors import TransitionNotAllowed
from loans.models import Loan


class LoanViewSet(BorrowerApi, viewsets.GenericViewSet):
    serializer_class = s.LoanSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return selectors.account_loans(account=self.request.user).filter(signed_at__isnull=False)

    def _loan(self):
        loan = selectors.account_loan(account=self.request.user, pk=self.kwargs["pk"])
        if loan.signed_at is None:
            raise ApiError("not_found", status_code=404)
        return loan

    @extend_schema(responses={200: s.LoanSerializer(many=True), **errors()})
    def list(self, request):
        return Response(s.LoanSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses={200: s.LoanDetailSerializer, **errors()})
    def retrieve(self, request, pk=None):
        """Schedule, balances, days past due, payments and payouts."""
        loan = self._loan()
        context = {
            "schedule": loan_selectors.current_schedule(loan=loan),
            "payments": loan_selectors.loan_payments(loan=loan),
        }
        return Response(s.LoanDetailSerializer(loan, context=context).data)

    @extend_schema(responses={200: s.RepaymentQuoteSerializer, **errors(409)})
    @action(detail=True, methods=["get"], url_path="repayment-quote")
    def repayment_quote(self, request, pk=None):
        """What repays the loan in full today, and the next scheduled payment."""
        loan = self._loan()
        if loan.status not in ("serviced", "overdue"):
            raise TransitionNotAllowed("The loan is not live")
        next_item = (
            loan_selectors.current_schedule(loan=loan)
            .filter(due_date__gte=loan.next_due_date or current_business_date())
            .first()
        )
        body = {
            "on": current_business_date(),
            "full_repayment_kop": loan_services.repayment_quote_kop(loan=loan),
            "next_payment_kop": next_item.total_kop if next_item else None,
            "next_due_date": loan.next_due_date,
        }
        return Response(s.RepaymentQuoteSerializer(body).data)

    @extend_schema(
        request=s.RepaymentCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.PaymentIntentSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def repayments(self, request, pk=None):
        """Start a repayment at the payment provider; open `confirmation_url` to pay."""
        data = valid(s.RepaymentCreateSerializer, request.data)
        intent = payments.repayment_start(
            account=request.user, loan=self._loan(), amount_kop=data["amount_kop"]
        )
        return Response(s.PaymentIntentSerializer(intent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("days", int, required=True)],
        responses={200: s.ProlongationQuoteSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["get"], url_path="prolongation-quote")
    def prolongation_quote(self, request, pk=None):
        """What a prolongation by `days` costs today and the new due date."""
        data = valid(s.ProlongationRequestSerializer, request.query_params)
        quote = loan_services.prolongation_quote(loan=self._loan(), days=data["days"])
        return Response(s.ProlongationQuoteSerializer({**quote, "days": data["days"]}).data)

    @extend_schema(
        request=s.ProlongationRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.PaymentIntentSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def prolongations(self, request, pk=None):
        """Confirm a prolongation: pay the quoted amount at the provider to make it happen."""
        data = valid(s.ProlongationRequestSerializer, request.data)
        intent = payments.prolongation_start(
            account=request.user, loan=self._loan(), days=data["days"]
        )
        return Response(s.PaymentIntentSerializer(intent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.RestructuringCreateSerializer,
        responses={201: s.RestructuringSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="restructuring-request")
    def restructuring_request(self, request, pk=None):
        """Ask to turn an overdue loan into an installment plan; the answer shows the plan it
        would give today. One open request per loan; collection answers with an offer."""
        data = valid(s.RestructuringCreateSerializer, request.data)
        loan = self._loan()
        plan = loan_services.restructuring_preview(loan=loan, **data)
        row = loan_services.restructuring_request(loan=loan, **data)
        body = s.RestructuringSerializer(row, context={"plan": plan}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: s.LoanDetailSerializer, **errors(409, 422)},
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
        return Response(s.LoanDetailSerializer(loan, context=context).data)
