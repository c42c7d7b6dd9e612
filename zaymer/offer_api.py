"""Accepting a personal offer: it becomes an application through the lifecycle pipeline."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action

from clientapi import api as client_api
from clientapi import serializers as client_serializers
from clientapi import services as client_services
from clientapi.idempotency import idempotent
from clientapi.throttles import ApplicationThrottle
from feedback import api as feedback_api
from feedback import selectors
from feedback import serializers as s
from zaymer import pipeline


class OfferViewSet(feedback_api.OfferViewSet):
    def get_throttles(self):
        if self.action == "accept":
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
