"""The borrower API under /api/v1/, its OpenAPI schema and the docs page (local assets)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from clientapi import api as client_api
from clientapi.credit_line_api import CreditLineViewSet
from feedback.api import SurveyViewSet
from zaymer.api import ApplicationViewSet
from zaymer.offer_api import OfferViewSet
from zaymer.restructuring_api import LoanViewSet

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

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last: any other path under /api/ answers 404 in the API's error shape.
    re_path(r"^", client_api.NotFoundView.as_view(), name="api-not-found"),
]
