"""Viewsets of the borrower API. Thin: they validate, call services and selectors, render."""

import json

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clientapi import profiles, selectors, services
from clientapi import serializers as s
from clientapi.auth import BorrowerTokenAuthentication
from clientapi.client_ip import client_ip
from clientapi.errors import ApiError
from clientapi.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH, idempotent
from clientapi.models import CodePurpose, PayoutDestination
from clientapi.parsers import MAX_BODY_BYTES, BoundedJSONParser
from clientapi.throttles import (
    CodeIpThrottle,
    CodePhoneThrottle,
    ProfileIpThrottle,
    ProfileThrottle,
    SignInIpThrottle,
    SignInPhoneThrottle,
)
from loans import debt_load as debt_loads
from loans import selectors as loan_selectors
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.documents import storage as documents
from loans.documents.http import pdf_response
from loans.errors import TransitionNotAllowed
from loans.models import Loan
from loans.payment_details import looks_like_card_number


def errors(*codes: int) -> dict:
    return {code: s.ErrorSerializer for code in (400, 401, 404, 429, *codes)}


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "pattern": KEY_PATTERN, "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    OpenApiParameter.HEADER,
    required=True,
    description="Unique per command; a repeat with the same body returns the first answer.",
)


class BorrowerApi:
    lookup_value_regex = "[0-9]+"
    authentication_classes = [BorrowerTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # DRF copies the user onto the Django request, where simple_history looks for the
        # author of history rows; a borrower is not a staff user, so history records none.
        request._request.user = AnonymousUser()


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


def own_payout_destination(account, pk: int):
    """One of the borrower's payout methods, or a refusal naming the field."""
    destination = selectors.account_destinations(account=account).filter(pk=pk).first()
    if destination is None:
        raise ApiError("invalid_payment_details", field="payout_method")
    return destination


def valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- sign-in -------------------------------------------------------------------------------


class AuthViewSet(BorrowerApi, viewsets.ViewSet):
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.CodeRequestSerializer, responses={202: s.CodeSentSerializer, **errors()}
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="code",
        throttle_classes=[CodePhoneThrottle, CodeIpThrottle],
    )
    def code(self, request):
        """Send a sign-in code by SMS (through the outbox)."""
        data = valid(s.CodeRequestSerializer, request.data)
        otp = services.code_send(phone=data["phone"], purpose=CodePurpose.SIGN_IN)
        return Response(s.CodeSentSerializer(otp).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.SignInSerializer, responses={201: s.TokenSerializer, **errors()})
    @action(
        detail=False,
        methods=["post"],
        url_path="token",
        throttle_classes=[SignInPhoneThrottle, SignInIpThrottle],
    )
    def token(self, request):
        """Exchange the code for a bearer token; the first sign-in registers the phone."""
        data = valid(s.SignInSerializer, request.data)
        account, key = services.sign_in(phone=data["phone"], code=data["code"])
        body = {"token": key, "token_type": "Bearer", "profile_complete": bool(account.borrower_id)}
        return Response(s.TokenSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, **errors()})
    @token.mapping.delete
    def sign_out(self, request):
        """Revoke the token used for this request."""
        if not request.user or not request.user.is_authenticated:
            raise ApiError("not_authenticated", status_code=401)
        services.token_revoke(key=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- profile and consents ------------------------------------------------------------------


class ProfileView(BorrowerApi, APIView):
    def get_throttles(self):
        if self.request.method == "PUT":
            return [ProfileThrottle(), ProfileIpThrottle()]
        return super().get_throttles()

    @extend_schema(responses={200: s.ProfileSerializer, **errors()})
    def get(self, request):
        """The borrower's profile and KYC fields (404 until filled in)."""
        borrower = profiles.profile_shown(account=request.user)
        if borrower is None:
            raise ApiError("profile_required", status_code=404)
        return Response(s.ProfileSerializer(borrower).data)

    @extend_schema(request=s.ProfileSerializer, responses={200: s.ProfileSerializer, **errors(422)})
    def put(self, request):
        """Fill in or correct the profile. A passport is checked by staff when needed; until
        they have, applications answer `profile_under_review`."""
        data = valid(s.ProfileSerializer, request.data)
        borrower = profiles.profile_save(account=request.user, data=data)
        return Response(s.ProfileSerializer(borrower).data)


class ConsentViewSet(BorrowerApi, viewsets.ViewSet):
    @extend_schema(responses={200: s.ConsentDocumentSerializer(many=True), **errors()})
    def list(self, request):
        """The documents to consent to, their current versions and when consent was given."""
        given = {(c.kind, c.document_version): c.given_at for c in request.user.consents.all()}
        rows = [
            {"kind": kind, "document_version": version, "given_at": given.get((kind, version))}
            for kind, version in selectors.CONSENT_DOCUMENT_VERSIONS.items()
        ]
        return Response(s.ConsentDocumentSerializer(rows, many=True).data)

    @extend_schema(request=s.ConsentSerializer, responses={201: s.ConsentSerializer, **errors()})
    def create(self, request):
        """Give a consent to the named version of a document."""
        data = valid(s.ConsentSerializer, request.data)
        consent = services.consent_give(account=request.user, ip=client_ip(request), **data)
        return Response(s.ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


# --- products and the calculator -----------------------------------------------------------


class ProductViewSet(BorrowerApi, viewsets.ReadOnlyModelViewSet):
    permission_classes = [AllowAny]
    serializer_class = s.ProductSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = None

    def get_queryset(self):
        return selectors.active_products()

    @extend_schema(responses={200: s.ProductSerializer(many=True), **errors()})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.ProductSerializer, **errors()})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class CalculatorView(BorrowerApi, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        request=s.CalculatorRequestSerializer, responses={200: s.QuoteSerializer, **errors(422)}
    )
    def post(self, request):
        """Schedule, total and ПСК (per cent and roubles) for an amount and a term."""
        data = valid(s.CalculatorRequestSerializer, request.data)
        product = selectors.active_product(code=data["product"])
        quote = selectors.loan_quote(
            product=product, amount_kop=data["amount_kop"], term_days=data["term_days"]
        )
        return Response(s.QuoteSerializer(quote).data)


# --- payout methods ------------------------------------------------------------------------


def _refuse_card_numbers(data) -> None:
    """A full card number anywhere in the body is refused before anything looks at it."""
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    for value in values:
        if isinstance(value, dict | list):
            _refuse_card_numbers(value)
        elif isinstance(value, str | int) and looks_like_card_number(str(value)):
            raise ApiError("card_number_refused")


class PayoutMethodViewSet(
    BorrowerApi, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.PayoutMethodSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PayoutDestination.objects.none()
        return selectors.account_destinations(account=self.request.user)

    @extend_schema(responses={200: s.PayoutMethodSerializer(many=True), **errors()})
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.PayoutMethodCreateSerializer,
        responses={201: s.PayoutMethodSerializer, **errors()},
    )
    def create(self, request):
        """Add a card (provider token, last four digits, expiry) or a bank account and BIK."""
        _refuse_card_numbers(request.data)
        data = valid(s.PayoutMethodCreateSerializer, request.data)
        kind = data.pop("kind")
        destination = services.payout_destination_add(account=request.user, kind=kind, data=data)
        return Response(s.PayoutMethodSerializer(destination).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **errors()})
    def destroy(self, request, *args, **kwargs):
        services.payout_destination_remove(destination=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- applications --------------------------------------------------------------------------


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
    """Applications are loans seen from the borrower's side, from request to payout.

    Submitting one runs the lifecycle pipeline, so `create` is added on the top floor.
    """

    serializer_class = s.ApplicationSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return selectors.account_loans(account=self.request.user)

    def _loan(self):
        return selectors.account_loan(account=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(responses={200: s.ApplicationSerializer(many=True), **errors()})
    def list(self, request):
        return Response(s.ApplicationSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses={200: s.ApplicationDetailSerializer, **errors()})
    def retrieve(self, request, pk=None):
        """Poll here while the status is applied, scored or in_review."""
        return application_response(self._loan())

    @extend_schema(request=None, responses={202: s.CodeSentSerializer, **errors(409, 422, 423)})
    @action(detail=True, methods=["post"], url_path="sign-code")
    def sign_code(self, request, pk=None):
        """Send the code that signs the offer shown now."""
        otp = services.offer_code_send(account=request.user, loan=self._loan())
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
        payout = services.offer_sign(
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
        order = services.payout_retry(
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
        loan = services.application_cancel(loan=self._loan())
        return application_response(loan)


# --- loans ---------------------------------------------------------------------------------


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
        intent = services.repayment_start(
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
        intent = services.prolongation_start(
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


# --- provider webhooks ---------------------------------------------------------------------


class PaymentWebhookView(APIView):
    """Signed events from the payment provider: `X-Signature: sha256=<hex HMAC of the body>`."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=s.WebhookSerializer,
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={200: s.WebhookAnswerSerializer, **errors(403, 409, 422)},
        auth=[],
    )
    def post(self, request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise ApiError("body_too_large", status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        signature = request.headers.get("X-Signature", "")
        if not services.webhook_signature_valid(body=request.body, signature=signature):
            raise ApiError("bad_signature", status_code=status.HTTP_403_FORBIDDEN)
        event = valid(s.WebhookSerializer, request.data)
        data_serializer = (
            s.PaymentEventDataSerializer
            if event["type"] == "payment.succeeded"
            else s.PayoutEventDataSerializer
        )
        try:
            data = valid(data_serializer, event["data"])
        except ValidationError as exc:
            raise ValidationError({"data": exc.detail}) from exc
        # webhook_apply commits before it returns: the 200 only ever follows the effect.
        applied = services.webhook_apply(
            event_id=event["event_id"], event_type=event["type"], data=data, payload=request.data
        )
        return Response({"status": "applied" if applied else "duplicate"})


# --- anything else under /api/ -------------------------------------------------------------


@extend_schema(exclude=True)
class NotFoundView(APIView):
    """A path under /api/ that names no endpoint: 404 in the error shape, whatever the method
    (Django's own page is HTML and, with DEBUG on, lists the URL patterns)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise ApiError("not_found", status_code=status.HTTP_404_NOT_FOUND)
