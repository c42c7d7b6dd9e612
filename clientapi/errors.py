"""One error shape for the borrower API: {"error": {"code", "message", "field"}}.

Messages follow the request's language (ru by default, en on Accept-Language: en). Domain
errors from the loan core carry English text for staff; the borrower gets the catalogue's
wording for their code, or the core's text when the catalogue has none.
"""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils import translation
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

# code → (ru, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "not_found": ("Не найдено.", "Not found."),
    "not_authenticated": ("Нужно войти.", "Authentication required."),
    "authentication_failed": ("Токен недействителен.", "The token is not valid."),
    "permission_denied": ("Недостаточно прав.", "Not allowed."),
    "method_not_allowed": ("Метод не поддерживается.", "Method not allowed."),
    "unsupported_media_type": (
        "Поддерживается только application/json.",
        "Only application/json is supported.",
    ),
    "not_acceptable": ("Ответ возможен только в JSON.", "Only JSON responses are available."),
    "malformed_json": ("Тело запроса — не корректный JSON.", "The body is not valid JSON."),
    "body_too_large": ("Слишком большой запрос.", "The request body is too large."),
    "throttled": ("Слишком много запросов, попробуйте позже.", "Too many requests, retry later."),
    "json_too_deep": (
        "Слишком глубокая вложенность JSON.",
        "The JSON is nested too deeply.",
    ),
    "staff_only": (
        "Этот раздел API только для сотрудников.",
        "This part of the API is for staff only.",
    ),
    "sign_codes_limit": (
        "Слишком много кодов для подписания, повторите через {minutes} мин.",
        "Too many signing codes; retry in {minutes} min.",
    ),
    "offer_locked": (
        "Подписание приостановлено после неверных кодов, повторите через {minutes} мин.",
        "Signing is paused after wrong codes; retry in {minutes} min.",
    ),
    "profile_under_review": (
        "Анкета на проверке, мы сообщим о результате по SMS.",
        "Your profile is being checked; we will tell you by SMS.",
    ),
    "internal_error": ("Внутренняя ошибка, мы уже разбираемся.", "Internal error."),
    "service_unavailable": (
        "Сервис временно недоступен, повторите попытку позже.",
        "Service temporarily unavailable, retry later.",
    ),
    "invalid_code": ("Неверный или просроченный код.", "The code is wrong or expired."),
    "code_attempts_exhausted": (
        "Попытки ввода кода исчерпаны, запросите новый.",
        "Too many wrong attempts; request a new code.",
    ),
    "profile_required": (
        "Сначала заполните анкету.",
        "Fill in your profile first.",
    ),
    "consents_required": (
        "Нужны согласия: на обработку персональных данных, запрос в бюро кредитных историй и "
        "правила простой электронной подписи.",
        "Consents are required: personal data, credit bureau inquiry and e-signature rules.",
    ),
    "duplicate_passport": (
        "Анкета с этим паспортом уже есть.",
        "A profile with this passport already exists.",
    ),
    "card_number_refused": (
        "Не отправляйте номер карты: нужен токен платёжного провайдера.",
        "Never send the card number: send the payment provider's token.",
    ),
    "invalid_payment_details": (
        "Неверные реквизиты для выплаты.",
        "The payout details are not valid.",
    ),
    "invalid_amount": ("Недопустимая сумма.", "The amount is not allowed."),
    "invalid_term": ("Недопустимый срок.", "The term is not allowed."),
    "product_inactive": ("Продукт недоступен.", "The product is not offered."),
    "repeat_only_product": (
        "Продукт доступен только повторным клиентам.",
        "The product is for repeat borrowers only.",
    ),
    "transition_not_allowed": (
        "Действие недоступно в текущем статусе.",
        "Not possible in the current status.",
    ),
    "already_signed": ("Оферта уже подписана.", "The offer is already signed."),
    "offer_changed": (
        "Условия оферты изменились, запросите новый код.",
        "The offer has changed; request a new code.",
    ),
    "contract_unavailable": (
        "Договора пока нет: заявка не одобрена, отклонена или отменена.",
        "There is no contract: the application is not approved, or was declined or cancelled.",
    ),
    "pdn_notice_required": (
        "Долговая нагрузка выше 50 %: прочитайте уведомление о риске и подтвердите это "
        "(pdn_notice_acknowledged: true), чтобы подписать договор.",
        "The debt load is above 50 %: read the risk notice and acknowledge it "
        "(pdn_notice_acknowledged: true) to sign.",
    ),
    "pdn_notice_not_required": (
        "Долговая нагрузка не выше 50 %: уведомление не требуется.",
        "The debt load is not above 50 %: no notice is needed.",
    ),
    "self_ban": (
        "Действует самозапрет на кредиты.",
        "A self-ban on loans is active.",
    ),
    "cap_exceeded": (
        "Условия превышают законные ограничения.",
        "The terms exceed the legal caps.",
    ),
    "limit_exceeded": ("Превышен законный лимит.", "A legal limit is reached."),
    "high_psk_loan_limit": (
        "Превышено допустимое число займов с высокой ПСК.",
        "Too many outstanding loans with a high ПСК.",
    ),
    "high_psk_cooling_off": (
        "Новый займ будет доступен после периода охлаждения.",
        "A new loan is possible after the cooling-off period.",
    ),
    "prolongation_not_allowed": (
        "Продление недоступно для этого займа.",
        "This loan cannot be prolonged.",
    ),
    "invalid_prolongation_days": (
        "Недопустимый срок продления.",
        "The prolongation length is not allowed.",
    ),
    "prolongation_not_due": (
        "Продление станет доступно завтра.",
        "A prolongation is possible from tomorrow.",
    ),
    "prolongation_limit": (
        "Лимит продлений исчерпан.",
        "No prolongations left.",
    ),
    "invalid_restructuring": (
        "План: от 1 до 24 платежей с интервалом от 7 до 31 дня.",
        "A plan has 1 to 24 installments every 7 to 31 days.",
    ),
    "no_offer": (
        "По этому займу нет предложения о реструктуризации.",
        "No restructuring was offered on this loan.",
    ),
    "restructuring_already_requested": (
        "Заявка на реструктуризацию этого займа уже рассматривается.",
        "A restructuring request for this loan is already open.",
    ),
    "amount_above_debt": (
        "Сумма больше задолженности с учётом уже начатых и ещё не оплаченных платежей.",
        "The amount is more than the debt, counting the payments already started and not yet paid.",
    ),
    "payout_method_required": (
        "Выберите, куда перечислить деньги.",
        "Choose where the money goes.",
    ),
    "idempotency_key_required": (
        "Нужен заголовок Idempotency-Key.",
        "The Idempotency-Key header is required.",
    ),
    "idempotency_key_reused": (
        "Этот Idempotency-Key уже использован с другим запросом.",
        "This Idempotency-Key was used with a different request.",
    ),
    "request_in_progress": (
        "Запрос с этим Idempotency-Key ещё выполняется.",
        "A request with this Idempotency-Key is still in progress.",
    ),
    "survey_already_answered": (
        "На этот опрос уже есть ответ.",
        "This survey has already been answered.",
    ),
    "invalid_nps": ("Оценка NPS — от 0 до 10.", "NPS is 0 to 10."),
    "invalid_csat": ("Оценка CSAT — от 1 до 5.", "CSAT is 1 to 5."),
    "invalid_stage": (
        "Этап: заявка, выплата, обслуживание или взыскание.",
        "The stage is application, payout, servicing or collection.",
    ),
    "offer_not_available": (
        "Предложение больше не действует.",
        "The offer is no longer available.",
    ),
    "domain_error": ("Действие невозможно.", "The request cannot be done."),
    "conflict": (
        "Такой запрос уже есть и ещё не завершён.",
        "A request like this one is already open.",
    ),
    "duplicate_phone": (
        "Этот номер телефона уже зарегистрирован.",
        "This phone number is already registered.",
    ),
    "outdated_document": (
        "Документ обновился: ознакомьтесь с текущей редакцией.",
        "The document has changed; read its current version.",
    ),
    "income_unknown": (
        "Укажите ежемесячный доход.",
        "State your monthly income.",
    ),
    "invalid_payout_method": (
        "Способ выплаты не найден.",
        "The payout method was not found.",
    ),
    "invalid_method": ("Неизвестный способ выплаты.", "Unknown payout method."),
    "payout_scheduled": (
        "Выплата уже запланирована и придёт в срок, установленный законом.",
        "The payout is scheduled and will go out when the law allows.",
    ),
    "no_regulation_limits": (
        "Выдача временно невозможна, попробуйте позже.",
        "Loans cannot be issued right now; try again later.",
    ),
    "bad_signature": ("Неверная подпись.", "Bad signature."),
    "unknown_payment": ("Платёж не найден.", "Unknown payment."),
    "unknown_payout": ("Выплата не найдена.", "Unknown payout."),
    "credit_limit_exceeded": (
        "Сумма больше доступного лимита карты.",
        "The amount is above the card's available limit.",
    ),
    "credit_line_frozen": (
        "Карта заморожена: новые операции недоступны.",
        "The card is frozen: no new operations.",
    ),
    "credit_line_closed": ("Карта закрыта.", "The card is closed."),
    "bureaus_unavailable": (
        "Бюро кредитных историй сейчас не отвечают, а без их ответа договор подписать нельзя. "
        "Повторите попытку позже.",
        "The credit bureaus do not answer now, and the contract cannot be signed without them. "
        "Please retry later.",
    ),
    "bureau_check_required": (
        "Нужно заново запросить бюро кредитных историй. Повторите попытку позже.",
        "The credit bureaus must be asked again. Please retry later.",
    ),
    "credit_line_overdue": (
        "Минимальный платёж просрочен: внесите его, чтобы пользоваться картой.",
        "A minimum payment is overdue: pay it to use the card again.",
    ),
    "application_not_decided": (
        "Не удалось рассмотреть заявку. Пожалуйста, отправьте её ещё раз чуть позже.",
        "Your application could not be considered; please send it again a little later.",
    ),
    "credit_line_exists": (
        "Кредитная карта у вас уже есть.",
        "You already have a credit card.",
    ),
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
    pair = MESSAGES.get(code)
    if pair is None:
        return default or code
    text = pair[1] if (translation.get_language() or "ru").startswith("en") else pair[0]
    if "{minutes}" in text:
        text = text.format(minutes=max(1, -(-(retry_after or 0) // 60)))
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
