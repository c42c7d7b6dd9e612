"""Borrower API endpoints that run the cross-app lifecycle (the pipeline lives on this floor)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status

from clientapi import api as client_api
from clientapi import selectors, services
from clientapi import serializers as s
from clientapi.throttles import ApplicationThrottle
from zaymer import pipeline


class ApplicationViewSet(client_api.ApplicationViewSet):
    def get_throttles(self):
        if self.action == "create":
            return [ApplicationThrottle()]
        return super().get_throttles()

    @extend_schema(
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationDetailSerializer, **client_api.errors(422)},
    )
    def create(self, request):
        """Apply. The robot's answer is in the response when it decides at once (approved with
        the offer, or rejected); otherwise poll the application while it is in review."""
        data = client_api.valid(s.ApplicationCreateSerializer, request.data)
        product = selectors.active_product(code=data["product"])
        borrower, destination = services.application_preflight(
            account=request.user, destination_id=data["payout_method"]
        )
        loan = pipeline.submit_application(
            borrower=borrower,
            product=product,
            amount_kop=data["amount_kop"],
            term_days=data["term_days"],
            channel="app",
            card_token=destination.card_token,
        )
        services.loan_request_record(account=request.user, loan=loan, destination=destination)
        return client_api.application_response(loan, status_code=status.HTTP_201_CREATED)
