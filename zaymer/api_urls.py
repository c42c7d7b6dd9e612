"""The borrower API under /api/v1/, its OpenAPI schema and the docs page (local assets), and
the staff API's own schema (/api/schema/staff/, for staff)."""

from django.urls import include, path, re_path
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import SimpleRouter
from rest_framework.settings import api_settings

from clientapi import api as client_api
from clientapi.credit_line_api import CreditLineViewSet
from feedback.api import SurveyViewSet
from zaymer.borrower_api.applications import ApplicationViewSet
from zaymer.borrower_api.loans import LoanViewSet
from zaymer.borrower_api.offers import OfferViewSet

router = SimpleRouter()
router.register("auth", client_api.AuthViewSet, basename="auth")
router.register("consents", client_api.ConsentViewSet, basename="consent")
router.register("products", client_api.ProductViewSet, basename="product")
router.register("payout-methods", client_api.PayoutMethodViewSet, basename="payout-method")
router.register("applications", ApplicationViewSet, basename="application")
router.register("loans", LoanViewSet, basename="loan")
router.register("surveys", SurveyViewSet, basename="survey")
router.register("offers", OfferViewSet, basename="offer")
router.register("credit-lines", CreditLineViewSet, basename="credit-line")

v1 = [
    path("me/", client_api.ProfileView.as_view(), name="profile"),
    path("calculator/", client_api.CalculatorView.as_view(), name="calculator"),
    path("webhooks/payments/", client_api.PaymentWebhookView.as_view(), name="payment-webhook"),
    *router.urls,
]

STAFF_PREFIX = "/api/v1/staff/"


def borrower_endpoints(endpoints):
    """Preprocessing hook of the borrower schema: the staff API has its own."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith(STAFF_PREFIX)]


def staff_endpoints(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(STAFF_PREFIX)]


class ReviewQueueSchema(OpenApiViewExtension):
    """The queue's staff endpoint, documented with the refusals it answers."""

    target_class = "underwriting.api.ReviewQueueList"

    def view_replacement(self):
        serializer = self.target_class.serializer_class

        @extend_schema(exclude=False, tags=["staff"])
        class Documented(self.target_class):
            @extend_schema(
                parameters=[
                    OpenApiParameter(
                        "product",
                        {"type": "string", "pattern": "^[-a-zA-Z0-9_]{0,32}$"},
                        description="A product code; empty is any product.",
                    ),
                    OpenApiParameter(
                        "page",
                        {"type": "string", "pattern": "^([1-9][0-9]*|last)?$"},
                        description="Page number, or `last`; empty is the first page.",
                    ),
                    OpenApiParameter(
                        "page_size",
                        {"type": "integer", "minimum": 1, "maximum": 200},
                        description="Rows per page, 1 to 200 (default 50).",
                    ),
                ],
                responses={200: serializer(many=True), **staff_errors()},
            )
            def get(self, request, *args, **kwargs):
                return super().get(request, *args, **kwargs)

        return Documented


def empty_filter_values(result, generator, request, public):
    """Postprocessing hook of the staff schema: an empty filter value means "any" (the queue
    page's form sends them), so each filter's enum admits it."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                for choices in (schema, schema.get("items", {})):
                    if parameter.get("in") == "query" and "enum" in choices:
                        choices["enum"] = ["", *(v for v in choices["enum"] if v != "")]
    return result


def staff_errors() -> dict:
    from clientapi import serializers as s

    return {code: s.ErrorSerializer for code in (400, 403, 404)}


staff_schema = SpectacularAPIView.as_view(
    custom_settings={
        "TITLE": "Zaymer staff API",
        "DESCRIPTION": "For staff: a session or a staff token (`manage.py staff_token`).",
        "SCHEMA_PATH_PREFIX": "/api/v1/staff",
        "PREPROCESSING_HOOKS": ["zaymer.api_urls.staff_endpoints"],
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "zaymer.api_urls.empty_filter_values",
            "clientapi.schema.common_error_responses",
        ],
        # Programs use a staff token; the session is the browser's.
        "AUTHENTICATION_WHITELIST": ["clientapi.auth.StaffTokenAuthentication"],
    },
    authentication_classes=api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    permission_classes=[IsAuthenticated],
)

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("schema/staff/", staff_schema, name="api-staff-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other path under /api/ answers 404 in the API's error shape.
    re_path(r"^", client_api.NotFoundView.as_view(), name="api-not-found"),
]
