"""The borrower's applications, from the request through the offer and its documents to
signing and the payout. Submitting runs the lifecycle across apps (zaymer.applications), so the
viewset lives on the top floor."""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from clientapi import selectors
from clientapi import serializers as s
from clientapi.api import (
    IDEMPOTENCY_PARAMETER,
    BorrowerApi,
    errors,
    own_payout_destination,
    valid,
)
from clientapi.client_ip import client_ip
from clientapi.idempotency import idempotent
from clientapi.services import applications as application_services
from clientapi.throttles import ApplicationThrottle
from loans import debt_load as debt_loads
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.documents import storage as documents
from loans.documents.http import pdf_response
from loans.models import Loan
from zaymer import applications


class PdfRenderer(BaseRenderer):
    """Lets a client ask for `application/pdf`; the documents are answered as they are stored."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


DOCUMENT_RENDERERS = [JSONRenderer, PdfRenderer]


def _pdn_notice_required(loan) -> bool:
    debt_load = debt_loads.debt_load_for_offer(loan=loan)
    return debt_load is not None and debt_load.needs_notice


def application_response(loan, *, status_code=status.HTTP_200_OK) -> Response:
    """An application with its offer while one is open for signing."""
    offer = None
    if loan.status == "approved" and loan.signed_at is None:
        quote = selectors.offer_quote(loan=loan)
        offer = {
            **quote.__dict__,
            "total_kop": quote.total_kop,
            "document_hash": documents.offer_contract_hash(loan=loan),
            "pdn_notice_required": _pdn_notice_required(loan),
        }
    serializer = s.ApplicationDetailSerializer(loan, context={"offer": offer})
    return Response(serializer.data, status=status_code)


class ApplicationViewSet(BorrowerApi, viewsets.GenericViewSet):
    """Applications are loans seen from the borrower's side, from request to payout."""

    serializer_class = s.ApplicationSerializer
    pagination_class = None

    def get_throttles(self):
        if self.action == "create":
            return [ApplicationThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return selectors.account_loans(account=self.request.user)

    def _loan(self):
        return selectors.account_loan(account=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses={200: s.ApplicationSerializer(many=True), **errors()})
    def list(self, request):
        return Response(s.ApplicationSerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationDetailSerializer, **errors(422)},
    )
    def create(self, request):
        """Apply. The robot's answer is in the response when it decides at once (approved with
        the offer, or rejected); otherwise poll the application while it is in review."""
        data = valid(s.ApplicationCreateSerializer, request.data)
        product = selectors.active_product(code=data["product"])
        first_period_days = None
        if "first_due_date" in data:
            first_period_days = (data["first_due_date"] - current_business_date()).days
            loan_services.check_first_period(
                product=product, first_period_days=first_period_days, field="first_due_date"
            )
        loan = applications.submit_borrower_application(
            account=request.user,
            product=product,
            amount_kop=data["amount_kop"],
            term_days=data["term_days"],
            payout_method_id=data["payout_method"],
            first_period_days=first_period_days,
        )
        return application_response(loan, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.ApplicationDetailSerializer, **errors()})
    def retrieve(self, request, pk=None):
        """Poll here while the status is applied, scored or in_review."""
        return application_response(self._loan())

    @extend_schema(request=None, responses={202: s.CodeSentSerializer, **errors(409, 422, 423)})
    @action(detail=True, methods=["post"], url_path="sign-code")
    def sign_code(self, request, pk=None):
        """Send the code that signs the offer shown now."""
        otp = application_services.offer_code_send(account=request.user, loan=self._loan())
        return Response(s.CodeSentSerializer(otp).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=s.SignSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.SignedSerializer, **errors(409, 422, 423)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def sign(self, request, pk=None):
        """Sign the offer with the code; the payout is ordered at once."""
        data = valid(s.SignSerializer, request.data)
        destination = None
        if data.get("payout_method") is not None:
            destination = own_payout_destination(request.user, data["payout_method"])
        payout = application_services.offer_sign(
            account=request.user,
            loan=self._loan(),
            code=data["code"],
            ip=client_ip(request),
            destination=destination,
            pdn_notice_acknowledged=data["pdn_notice_acknowledged"],
        )
        return Response(s.SignedSerializer(payout).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.PayoutRetrySerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: s.PayoutOrderSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"], url_path="payout")
    @idempotent
    def payout(self, request, pk=None):
        """After a failed payout, send the money to another method."""
        data = valid(s.PayoutRetrySerializer, request.data)
        destination = own_payout_destination(request.user, data["payout_method"])
        order = application_services.payout_retry(
            account=request.user, loan=self._loan(), destination=destination
        )
        return Response(s.PayoutOrderSerializer(order).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(409)},
    )
    @action(detail=True, methods=["get"], renderer_classes=DOCUMENT_RENDERERS)
    def contract(self, request, pk=None):
        """The contract (individual conditions) as PDF: the offer's before signing, the signed
        one after. `X-Document-SHA256` is the hash the signing code signs."""
        return pdf_response(documents.current_contract(loan=self._loan()))

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(409)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="schedule-document",
        renderer_classes=DOCUMENT_RENDERERS,
    )
    def schedule_document(self, request, pk=None):
        """The payment schedule of the offer or of the signed contract as PDF."""
        return pdf_response(documents.schedule_document(loan=self._loan()))

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(409)},
    )
    @action(
        detail=True, methods=["get"], url_path="pdn-notice", renderer_classes=DOCUMENT_RENDERERS
    )
    def pdn_notice(self, request, pk=None):
        """The written notice of a debt load above 50 %, to read before signing (the signing
        call then acknowledges it: `pdn_notice_acknowledged`); 409 when none is needed."""
        return pdf_response(documents.pdn_notice(loan=self._loan()))

    @extend_schema(request=None, responses={200: s.ApplicationDetailSerializer, **errors(409)})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdraw the application or decline the offer."""
        loan = application_services.application_cancel(loan=self._loan())
        return application_response(loan)
