"""One error shape for the borrower API: {"error": {"code", "message", "field"}}.

Messages follow the request's language (ru by default, en on Accept-Language: en): each code's
wording is an English gettext string, translated in locale/ru. Domain errors carry English text
for staff; the borrower gets the wording of their code, or that text when no wording exists.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from clientapi.refusals import SigningCodesLimited, SigningPaused, UnknownProviderReference
from loans.errors import (
    Conflict,
    DomainError,
    InvalidAmount,
    InvalidPaymentDetails,
    TransitionNotAllowed,
)

log = logging.getLogger(__name__)

# code → its wording
MESSAGES: dict[str, Promise] = {
    "not_found": _("Not found."),
    "not_authenticated": _("Authentication required."),
    "authentication_failed": _("The token is not valid."),
    "permission_denied": _("Not allowed."),
    "method_not_allowed": _("Method not allowed."),
    "unsupported_media_type": _("Only application/json is supported."),
    "not_acceptable": _("Only JSON responses are available."),
    "malformed_json": _("The body is not valid JSON."),
    "body_too_large": _("The request body is too large."),
    "throttled": _("Too many requests, retry later."),
    "json_too_deep": _("The JSON is nested too deeply."),
    "staff_only": _("This part of the API is for staff only."),
    "sign_codes_limit": _("Too many signing codes; retry in %(minutes)s min."),
    "offer_locked": _("Signing is paused after wrong codes; retry in %(minutes)s min."),
    "profile_under_review": _("Your profile is being checked; we will tell you by SMS."),
    "internal_error": _("Internal error."),
    "service_unavailable": _("Service temporarily unavailable, retry later."),
    "invalid_code": _("The code is wrong or expired."),
    "code_attempts_exhausted": _("Too many wrong attempts; request a new code."),
    "profile_required": _("Fill in your profile first."),
    "consents_required": _(
        "Consents are required: personal data, credit bureau inquiry and e-signature rules."
    ),
    "duplicate_passport": _("A profile with this passport already exists."),
    "card_number_refused": _("Never send the card number: send the payment provider's token."),
    "invalid_payment_details": _("The payout details are not valid."),
    "invalid_amount": _("The amount is not allowed."),
    "invalid_term": _("The term is not allowed."),
    "invalid_first_period": _("The first payment date is outside the product's limits."),
    "product_inactive": _("The product is not offered."),
    "repeat_only_product": _("The product is for repeat borrowers only."),
    "transition_not_allowed": _("Not possible in the current status."),
    "already_signed": _("The offer is already signed."),
    "offer_changed": _("The offer has changed; request a new code."),
    "contract_unavailable": _(
        "There is no contract: the application is not approved, or was declined or cancelled."
    ),
    "pdn_notice_required": _(
        "The debt load is above 50 %: read the risk notice and acknowledge it "
        "(pdn_notice_acknowledged: true) to sign."
    ),
    "pdn_notice_not_required": _("The debt load is not above 50 %: no notice is needed."),
    "self_ban": _("A self-ban on loans is active."),
    "cap_exceeded": _("The terms exceed the legal caps."),
    "limit_exceeded": _("A legal limit is reached."),
    "high_psk_loan_limit": _("Too many outstanding loans with a high ПСК."),
    "high_psk_cooling_off": _("A new loan is possible after the cooling-off period."),
    "prolongation_not_allowed": _("This loan cannot be prolonged."),
    "invalid_prolongation_days": _("The prolongation length is not allowed."),
    "prolongation_not_due": _("A prolongation is possible from tomorrow."),
    "prolongation_limit": _("No prolongations left."),
    "invalid_restructuring": _("A plan has 1 to 24 installments every 7 to 31 days."),
    "no_offer": _("No restructuring was offered on this loan."),
    "restructuring_already_requested": _("A restructuring request for this loan is already open."),
    "amount_above_debt": _(
        "The amount is more than the debt, counting the payments already started and not yet paid."
    ),
    "payout_method_required": _("Choose where the money goes."),
    "idempotency_key_required": _("The Idempotency-Key header is required."),
    "idempotency_key_reused": _("This Idempotency-Key was used with a different request."),
    "request_in_progress": _("A request with this Idempotency-Key is still in progress."),
    "survey_already_answered": _("This survey has already been answered."),
    "invalid_nps": _("NPS is 0 to 10."),
    "invalid_csat": _("CSAT is 1 to 5."),
    "invalid_stage": _("The stage is application, payout, servicing or collection."),
    "offer_not_available": _("The offer is no longer available."),
    "domain_error": _("The request cannot be done."),
    "conflict": _("A request like this one is already open."),
    "duplicate_phone": _("This phone number is already registered."),
    "outdated_document": _("The document has changed; read its current version."),
    "income_unknown": _("State your monthly income."),
    "invalid_payout_method": _("The payout method was not found."),
    "invalid_method": _("Unknown payout method."),
    "payout_scheduled": _("The payout is scheduled and will go out when the law allows."),
    "no_regulation_limits": _("Loans cannot be issued right now; try again later."),
    "bad_signature": _("Bad signature."),
    "unknown_payment": _("Unknown payment."),
    "unknown_payout": _("Unknown payout."),
    "credit_limit_exceeded": _("The amount is above the card's available limit."),
    "credit_line_frozen": _("The card is frozen: no new operations."),
    "credit_line_closed": _("The card is closed."),
    "bureaus_unavailable": _(
        "The credit bureaus do not answer now, and the contract cannot be signed without them. "
        "Please retry later."
    ),
    "bureau_check_required": _("The credit bureaus must be asked again. Please retry later."),
    "credit_line_overdue": _("A minimum payment is overdue: pay it to use the card again."),
    "application_not_decided": _(
        "Your application could not be considered; please send it again a little later."
    ),
    "credit_line_exists": _("You already have a credit card."),
}


class ApiError(exceptions.APIException):
    """A refusal of the API layer itself, with a catalogue code.

    `retry_after` (seconds) goes out as the Retry-After header and, rounded up to minutes, into
    the message of a code whose text names them.
    """

    def __init__(
        self,
        code: str,
        *,
        status_code: int = 400,
        field: str | None = None,
        retry_after: int | None = None,
    ):
        self.code = code
        self.field = field
        self.status_code = status_code
        self.retry_after = retry_after
        super().__init__(detail=code, code=code)


def message(code: str, default: str = "", *, retry_after: int | None = None) -> str:
    wording = MESSAGES.get(code)
    if wording is None:
        return default or code
    text = str(wording)
    if "%(minutes)s" in text:
        text %= {"minutes": max(1, -(-(retry_after or 0) // 60))}
    return text


def error_body(code: str, text: str, field: str | None = None) -> dict:
    return {"error": {"code": code, "message": text, "field": field}}


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.ParseError: "malformed_json",
}


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("body_too_large", message("body_too_large")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, ApiError):
        text = message(exc.code, retry_after=exc.retry_after)
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
        return Response(
            error_body(exc.code, text, exc.field), status=exc.status_code, headers=headers
        )
    if isinstance(exc, exceptions.ValidationError):
        field, code, text = _first_validation_error(exc.detail)
        return Response(error_body(code, text, field), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait else {}
        return Response(
            error_body("throttled", message("throttled")),
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers=headers,
        )
    if isinstance(exc, exceptions.APIException):
        code = next((c for t, c in _DRF_CODES.items() if isinstance(exc, t)), "bad_request")
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        return Response(
            error_body(code, message(code, str(exc.detail))),
            status=exc.status_code,
            headers=headers,
        )
    view = context.get("view")
    if isinstance(exc, OperationalError | InterfaceError):
        return database_unavailable(type(view).__name__ if view else "API", exc)
    log.exception("unhandled error in %s", type(view).__name__ if view else "API")
    return Response(
        error_body("internal_error", message("internal_error")),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


# Seconds a client is asked to wait after a 503.
RETRY_AFTER_SECONDS = 5


def database_unavailable(where: str, exc: Exception) -> Response:
    """The database is down or the connection broke: 503, retry later.

    Only the error classes are logged: a driver's message can quote the statement's values.
    """
    cause = exc.__cause__ or exc
    log.warning("database unavailable in %s: %s", where, type(cause).__name__)
    return Response(
        error_body("service_unavailable", message("service_unavailable")),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


# The HTTP status of a refusal: the first entry naming its code or one of its classes; else
# 400 for a refusal that names a field, 422 for any other.
REFUSAL_STATUSES: dict[str | type[DomainError], int] = {
    "application_not_decided": status.HTTP_503_SERVICE_UNAVAILABLE,
    SigningPaused: status.HTTP_423_LOCKED,
    SigningCodesLimited: status.HTTP_429_TOO_MANY_REQUESTS,
    UnknownProviderReference: status.HTTP_422_UNPROCESSABLE_ENTITY,
    TransitionNotAllowed: status.HTTP_409_CONFLICT,
    Conflict: status.HTTP_409_CONFLICT,
    InvalidAmount: status.HTTP_400_BAD_REQUEST,
    InvalidPaymentDetails: status.HTTP_400_BAD_REQUEST,
}


def refusal_status(exc: DomainError) -> int:
    for key, http in REFUSAL_STATUSES.items():
        if key == exc.code or (isinstance(key, type) and isinstance(exc, key)):
            return http
    return status.HTTP_400_BAD_REQUEST if exc.field else status.HTTP_422_UNPROCESSABLE_ENTITY


def _domain_response(exc: DomainError) -> Response:
    http = refusal_status(exc)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is None and http == status.HTTP_503_SERVICE_UNAVAILABLE:
        retry_after = RETRY_AFTER_SECONDS
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    # Only the code travels to the log: the message may quote what the borrower sent.
    log.info("refused: %s", exc.code)
    text = message(exc.code, exc.message, retry_after=retry_after)
    return Response(error_body(exc.code, text, exc.field), status=http, headers=headers)


def _first_validation_error(detail, prefix: str = "") -> tuple[str | None, str, str]:
    """The first (field, code, message) of a DRF validation detail, however nested."""
    if isinstance(detail, dict):
        name, value = next(iter(detail.items()))
        path = f"{prefix}.{name}" if prefix else str(name)
        if name == "non_field_errors":
            path = prefix or None
        return _first_validation_error(value, path or "")
    if isinstance(detail, list):
        if not detail:
            return prefix or None, "invalid", message("invalid", "Invalid input.")
        first = detail[0]
        if isinstance(first, dict | list):
            return _first_validation_error(first, f"{prefix}.0" if prefix else "0")
        detail = first
    code = getattr(detail, "code", None) or "invalid"
    return prefix or None, code, str(detail)
