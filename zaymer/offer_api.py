"""Accepting a personal offer: it becomes an application through the lifecycle pipeline."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action

from clientapi import api as client_api
from clientapi import serializers as client_serializers
from clientapi import services as client_services
from clientapi.credit_line_api import CreditLineDetailSerializer, credit_line_response
from clientapi.idempotency import idempotent
from clientapi.throttles import ApplicationThrottle
from feedback import api as feedback_api
from feedback import selectors
from feedback import serializers as s
from feedback import services as feedback_services
from feedback.errors import OfferNotAvailable
from feedback.models import OfferKind
from zaymer import pipeline


class OfferViewSet(feedback_api.OfferViewSet):
    def get_throttles(self):
        if self.action in ("accept", "credit_line"):
            return [ApplicationThrottle()]
        return super().get_throttles()

    @extend_schema(
        request=s.PersonalOfferAcceptSerializer,
        parameters=[client_api.IDEMPOTENCY_PARAMETER],
        responses={201: client_serializers.ApplicationDetailSerializer, **client_api.errors(422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        """Apply on the offer's terms (amount up to its limit). Unless something changed for the
        worse since the offer, the robot approves it at once."""
        data = client_api.valid(s.PersonalOfferAcceptSerializer, request.data)
        offer = selectors.borrower_offer(borrower=request.user.borrower, pk=pk)
        if offer.kind != OfferKind.LOAN:
            raise OfferNotAvailable("This offer opens a virtual card: use its credit-line action")
        borrower, destination = client_services.application_preflight(
            account=request.user, destination_id=data["payout_method"]
        )
        loan = pipeline.submit_application(
            borrower=borrower,
            product=offer.product,
            amount_kop=data["amount_kop"],
            term_days=data["term_days"],
            channel="app",
            card_token=destination.card_token,
            offer=offer,
        )
        client_services.loan_request_record(
            account=request.user, loan=loan, destination=destination
        )
        return client_api.application_response(loan, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[client_api.IDEMPOTENCY_PARAMETER],
        responses={201: CreditLineDetailSerializer, **client_api.errors(409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="credit-line")
    @idempotent
    def credit_line(self, request, pk=None):
        """Open the virtual card a card offer gives, with its limit and daily rate."""
        offer = selectors.borrower_offer(borrower=request.user.borrower, pk=pk)
        offer = feedback_services.offer_accept_credit_line(
            offer=offer, borrower=request.user.borrower
        )
        return credit_line_response(offer.credit_line, status_code=status.HTTP_201_CREATED)
