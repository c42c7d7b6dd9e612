"""Viewsets of the borrower API. Thin: they validate, call services and selectors, render.

Those that join apps of other floors (applications, loans, personal offers) live whole on the
top floor (zaymer.borrower_api); the router there composes them all."""

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clientapi import profiles, selectors
from clientapi import serializers as s
from clientapi.auth import BorrowerTokenAuthentication
from clientapi.client_ip import client_ip
from clientapi.errors import ApiError
from clientapi.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH
from clientapi.models import CodePurpose, PayoutDestination
from clientapi.parsers import MAX_BODY_BYTES, BoundedJSONParser
from clientapi.services import account, codes, tokens, webhooks
from clientapi.throttles import (
    CodeIpThrottle,
    CodePhoneThrottle,
    ProfileIpThrottle,
    ProfileThrottle,
    SignInIpThrottle,
    SignInPhoneThrottle,
)
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
        otp = codes.code_send(phone=data["phone"], purpose=CodePurpose.SIGN_IN)
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
        account, key = tokens.sign_in(phone=data["phone"], code=data["code"])
        body = {"token": key, "token_type": "Bearer", "profile_complete": bool(account.borrower_id)}
        return Response(s.TokenSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, **errors()})
    @token.mapping.delete
    def sign_out(self, request):
        """Revoke the token used for this request."""
        if not request.user or not request.user.is_authenticated:
            raise ApiError("not_authenticated", status_code=401)
        tokens.token_revoke(key=request.auth)
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
        consent = account.consent_give(account=request.user, ip=client_ip(request), **data)
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
        destination = account.payout_destination_add(account=request.user, kind=kind, data=data)
        return Response(s.PayoutMethodSerializer(destination).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, **errors()})
    def destroy(self, request, *args, **kwargs):
        account.payout_destination_remove(destination=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        if not webhooks.webhook_signature_valid(body=request.body, signature=signature):
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
        applied = webhooks.webhook_apply(
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
