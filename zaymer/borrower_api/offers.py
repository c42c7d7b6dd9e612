"""The borrower's personal offers: accepting one applies on its terms through the lifecycle
across apps (zaymer.applications) or opens the virtual card it gives, so the viewset lives on
the top floor."""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clientapi import serializers as client_serializers
from clientapi.api import IDEMPOTENCY_PARAMETER, BorrowerApi, errors, valid
from clientapi.credit_line_api import CreditLineDetailSerializer, credit_line_response
from clientapi.idempotency import idempotent
from clientapi.throttles import ApplicationThrottle
from feedback import selectors
from feedback import serializers as s
from feedback import services as feedback_services
from feedback.errors import OfferNotAvailable
from feedback.models import OfferKind, PersonalOffer
from zaymer import applications
from zaymer.borrower_api.applications import application_response


class OfferViewSet(BorrowerApi, viewsets.GenericViewSet):
    serializer_class = s.PersonalOfferSerializer
    pagination_class = None

    def get_throttles(self):
        if self.action in ("accept", "credit_line"):
            return [ApplicationThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalOffer.objects.none()
        return selectors.borrower_offers(borrower=self.request.user.borrower)

    @extend_schema(responses={200: s.PersonalOfferSerializer(many=True), **errors()})
    def list(self, request):
        """Personal offers that can be accepted today."""
        return Response(s.PersonalOfferSerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        request=s.PersonalOfferAcceptSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: client_serializers.ApplicationDetailSerializer, **errors(422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def accept(self, request, pk=None):
        """Apply on the offer's terms (amount up to its limit). Unless something changed for the
        worse since the offer, the robot approves it at once."""
        data = valid(s.PersonalOfferAcceptSerializer, request.data)
        offer = selectors.borrower_offer(borrower=request.user.borrower, pk=pk)
        if offer.kind != OfferKind.LOAN:
            raise OfferNotAvailable("This offer opens a virtual card: use its credit-line action")
        loan = applications.submit_borrower_application(
            account=request.user,
            product=offer.product,
            amount_kop=data["amount_kop"],
            term_days=data["term_days"],
            payout_method_id=data["payout_method"],
            offer=offer,
        )
        return application_response(loan, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: CreditLineDetailSerializer, **errors(409, 422)},
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
