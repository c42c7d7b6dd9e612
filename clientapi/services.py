"""Every write of the borrower API: one typed, keyword-only function per action."""

import hashlib
import hmac
import logging
import re
import secrets
import sys
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from clientapi import profiles, selectors, signing
from clientapi.models import (
    ApiToken,
    ClientAccount,
    CodePurpose,
    Consent,
    IdempotencyRecord,
    IntentPurpose,
    IntentStatus,
    LoanRequest,
    OneTimeCode,
    PaymentIntent,
    PayoutDestination,
    PayoutMethodKind,
    Signature,
    StaffToken,
    WebhookEvent,
)
from clientapi.refusals import (
    ConsentsRequired,
    InvalidCode,
    ProfileRequired,
    ProfileUnderReview,
    SigningPaused,
    UnknownProviderReference,
    WrongCode,
)
from loans import card_transfers, credit_lines
from loans import debt_load as debt_loads
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.documents import storage as documents
from loans.errors import CreditLineClosed, DomainError, InvalidAmount, TransitionNotAllowed
from loans.messaging import message_enqueue
from loans.models import (
    Borrower,
    CreditLine,
    CreditLineStatus,
    CreditLineTransfer,
    Loan,
    LoanStatus,
    PayoutOrder,
)
from loans.models.messages import CODE_KIND_PREFIX
from loans.payment_details import validate_bank_account, validate_card

log = logging.getLogger(__name__)

_CODE_REFUSALS = {
    "invalid_code": "The code is wrong or expired",
    "code_attempts_exhausted": "No attempts left on this code",
}
CODE_TTL = timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5
TOKEN_TTL = timedelta(days=30)
PROVIDER = "sandbox"
_PAYOUT_KEY_RE = re.compile(r"payout-([0-9]{1,18})-([0-9]{1,5})")
_TRANSFER_KEY_RE = re.compile(r"card-transfer-([0-9]{1,18})")


# --- one-time codes ------------------------------------------------------------------------


def _code_hash(*, phone: str, purpose: str, code: str) -> str:
    message = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def code_send(
    *, phone: str, purpose: str, loan: Loan | None = None, document_hash: str = ""
) -> OneTimeCode:
    """A new code replaces any earlier one for the same phone and purpose."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    otp = OneTimeCode.objects.create(
        phone=phone,
        purpose=purpose,
        loan=loan,
        document_hash=document_hash,
        code_hash=_code_hash(phone=phone, purpose=purpose, code=code),
        expires_at=now + CODE_TTL,
    )
    if purpose == CodePurpose.SIGN_OFFER:
        body = f"Код {code} для подписания договора займа №{loan.pk}. Никому не сообщайте его."
    else:
        body = f"Код {code} для входа в Займер. Никому не сообщайте его."
    kind = f"{CODE_KIND_PREFIX}{purpose}"
    message_enqueue(borrower=loan.borrower if loan else None, phone=phone, kind=kind, body=body)
    if settings.OTP_ECHO_TO_CONSOLE:
        # Development only: the console, not the log, so production logs never carry codes.
        transaction.on_commit(lambda: sys.stderr.write(f"[outbox] {phone} {kind}: {body}\n"))
    return otp


def code_consume(*, phone: str, purpose: str, code: str, loan: Loan | None = None) -> OneTimeCode:
    """Use the latest live code. A wrong guess is counted even though the request fails."""
    refusal_class = InvalidCode
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, loan=loan, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.expires_at <= timezone.now():
            refusal = "invalid_code"
        elif otp.attempts >= CODE_MAX_ATTEMPTS:
            refusal = "code_attempts_exhausted"
        elif hmac.compare_digest(
            otp.code_hash, _code_hash(phone=phone, purpose=purpose, code=code)
        ):
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            return otp
        else:
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            refusal = (
                "code_attempts_exhausted" if otp.attempts >= CODE_MAX_ATTEMPTS else "invalid_code"
            )
            refusal_class = WrongCode
    # Raised after the block: the counted attempt commits.
    raise refusal_class(_CODE_REFUSALS[refusal], code=refusal, field="code")


# --- accounts and tokens -------------------------------------------------------------------


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_in(*, phone: str, code: str) -> tuple[ClientAccount, str]:
    """Check the code and issue a bearer token; the first sign-in creates the account."""
    code_consume(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)
    return _issue_token(phone=phone)


@transaction.atomic
def _issue_token(*, phone: str) -> tuple[ClientAccount, str]:
    account, _ = ClientAccount.objects.get_or_create(phone=phone)
    if account.borrower_id is None:
        # Someone staff registered by phone signs in for the first time.
        borrower = Borrower.objects.filter(phone=phone).first()
        if borrower is not None and not hasattr(borrower, "client_account"):
            account.borrower = borrower
            account.save(update_fields=["borrower"])
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        account=account, key_hash=_token_hash(key), expires_at=timezone.now() + TOKEN_TTL
    )
    return account, key


def token_account(*, key: str) -> ClientAccount | None:
    token = (
        ApiToken.objects.select_related("account__borrower")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    return token.account if token else None


@transaction.atomic
def token_revoke(*, key: str) -> None:
    ApiToken.objects.filter(key_hash=_token_hash(key)).update(revoked_at=timezone.now())


def staff_token_user(*, key: str):
    """The active staff user a staff token belongs to, or None."""
    token = (
        StaffToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active or not token.user.is_staff:
        return None
    return token.user


@transaction.atomic
def staff_token_issue(*, user, days: int, label: str = "") -> tuple[StaffToken, str]:
    """A new staff token; the key is returned once and only its hash is kept."""
    if not user.is_active or not user.is_staff:
        raise DomainError("Only an active staff user gets a staff token", code="not_staff")
    if not 1 <= days <= 365:
        raise DomainError("A staff token lasts 1 to 365 days", code="invalid", field="days")
    key = secrets.token_urlsafe(32)
    token = StaffToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        label=label[:100],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


@transaction.atomic
def staff_token_revoke(*, token: StaffToken) -> None:
    StaffToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- profile and consents ------------------------------------------------------------------


@transaction.atomic
def consent_give(
    *, account: ClientAccount, kind: str, document_version: str, ip: str | None
) -> Consent:
    current = selectors.CONSENT_DOCUMENT_VERSIONS[kind]
    if document_version != current:
        raise DomainError(
            f"The current version of this document is {current}",
            code="outdated_document",
            field="document_version",
        )
    consent, _ = Consent.objects.get_or_create(
        account=account, kind=kind, document_version=document_version, defaults={"ip": ip}
    )
    return consent


# --- payout methods ------------------------------------------------------------------------


@transaction.atomic
def payout_destination_add(*, account: ClientAccount, kind: str, data: dict) -> PayoutDestination:
    destination = PayoutDestination(account=account, kind=kind)
    if kind == PayoutMethodKind.CARD:
        validate_card(
            token=data["token"],
            last4=data["last4"],
            exp_month=data["exp_month"],
            exp_year=data["exp_year"],
            today=current_business_date(),
        )
        destination.card_token = data["token"]
        destination.card_last4 = data["last4"]
        destination.card_exp_month = data["exp_month"]
        destination.card_exp_year = data["exp_year"]
    else:
        validate_bank_account(account=data["account"], bik=data["bik"])
        destination.account_number = data["account"]
        destination.bik = data["bik"]
    destination.save()
    return destination


@transaction.atomic
def payout_destination_remove(*, destination: PayoutDestination) -> None:
    destination.removed_at = timezone.now()
    destination.save(update_fields=["removed_at"])


# --- applications and offers ---------------------------------------------------------------


def application_preflight(
    *, account: ClientAccount, destination_id: int
) -> tuple[Borrower, PayoutDestination]:
    """What an application needs before it reaches the loan core."""
    if profiles.passport_review_pending(account=account):
        raise ProfileUnderReview("The passport waits for staff review")
    if account.borrower_id is None:
        raise ProfileRequired("The profile is not filled in")
    if selectors.missing_consents(account=account):
        raise ConsentsRequired("Consents are missing")
    destination = selectors.account_destinations(account=account).filter(pk=destination_id).first()
    if destination is None:
        raise DomainError(
            "Unknown payout method", code="invalid_payout_method", field="payout_method"
        )
    return account.borrower, destination


@transaction.atomic
def offer_code_send(*, account: ClientAccount, loan: Loan) -> OneTimeCode:
    """Store the offer's contract as the borrower can read it now and send the code that signs
    its hash (the SHA-256 of its canonical rendering), within the signing limits
    (clientapi.signing)."""
    signing.signing_code_allowed(account=account, loan=loan)
    selectors.offer_quote(loan=loan)
    document = documents.offer_contract(loan=loan)
    debt_load = debt_loads.debt_load_for_offer(loan=loan)
    if debt_load is not None and debt_load.needs_notice:
        documents.pdn_notice(loan=loan)  # stored before the code that signs can be sent
    return code_send(
        phone=account.phone,
        purpose=CodePurpose.SIGN_OFFER,
        loan=loan,
        document_hash=document.sha256,
    )


def offer_sign(
    *,
    account: ClientAccount,
    loan: Loan,
    code: str,
    ip: str | None,
    destination: PayoutDestination | None = None,
    pdn_notice_acknowledged: bool = False,
) -> PayoutOrder:
    """Sign with the code and order the payout to the method chosen in the application, or to
    `destination` (required when the application was not made through the API: a loan staff
    registered, or a seeded one).

    A debt load above 50 % needs the borrower's acknowledgement of the written notice; without
    it signing is refused before the code is checked (the code stays usable).
    Not one transaction on purpose: a wrong code must stay counted when signing is refused.
    """
    if loan.status != LoanStatus.APPROVED or loan.signed_at is not None:
        raise DomainError("Only an approved, unsigned offer can be signed", code="already_signed")
    request = LoanRequest.objects.select_related("payout_destination").filter(loan=loan).first()
    if destination is None and request is None:
        raise DomainError(
            "Choose where the money goes", code="payout_method_required", field="payout_method"
        )
    debt_load = debt_loads.debt_load_for_offer(loan=loan)
    if debt_load is not None and debt_load.needs_notice and not pdn_notice_acknowledged:
        raise DomainError(
            "The debt load is above 50 %: read the notice and acknowledge it to sign",
            code="pdn_notice_required",
            field="pdn_notice_acknowledged",
        )
    signing.signing_lock_check(loan=loan)
    # The bureaus (when their answer is stale) before the code is used and the loan locked:
    # if they do not answer, the borrower retries later with the same code.
    import_string(settings.SIGNING_BUREAU_CHECK)(loan=loan)
    try:
        otp = code_consume(
            phone=account.phone, purpose=CodePurpose.SIGN_OFFER, code=code, loan=loan
        )
    except WrongCode:
        pause = signing.signing_failure_record(account=account, loan=loan)
        if pause is not None:
            raise SigningPaused("Signing is paused after wrong codes", retry_after=pause) from None
        raise
    return _sign_and_disburse(
        account=account,
        loan=loan,
        otp=otp,
        code=code,
        ip=ip,
        destination=destination,
        request=request,
        acknowledged=pdn_notice_acknowledged,
    )


def _payout_destination_for(
    *,
    account: ClientAccount,
    loan: Loan,
    destination: PayoutDestination | None,
    request: LoanRequest | None,
) -> PayoutDestination:
    """The method the money goes to, kept on the loan's request record (made here for a loan
    that has none). The caller holds the loan's row lock."""
    if destination is None:
        if request is None:
            raise DomainError(
                "Choose where the money goes", code="payout_method_required", field="payout_method"
            )
        return request.payout_destination
    if request is None:
        LoanRequest.objects.create(loan=loan, account=account, payout_destination=destination)
    elif request.payout_destination_id != destination.pk:
        request.payout_destination = destination
        request.save(update_fields=["payout_destination"])
    return destination


@transaction.atomic
def _sign_and_disburse(
    *,
    account: ClientAccount,
    loan: Loan,
    otp: OneTimeCode,
    code: str,
    ip: str | None,
    destination: PayoutDestination | None,
    request: LoanRequest | None,
    acknowledged: bool,
) -> PayoutOrder:
    loan = Loan.objects.select_for_update().select_related("product", "borrower").get(pk=loan.pk)
    selectors.offer_quote(loan=loan)
    # The code signed the stored offer; the offer shown now must still be that one.
    offer = documents.offered_document(loan=loan, sha256=otp.document_hash)
    if documents.offer_contract_hash(loan=loan) != offer.sha256:
        raise DomainError("The offer changed after the code was sent", code="offer_changed")
    loan = loan_services.loan_sign(loan=loan)
    signed = documents.contract_signed_store(loan=loan, offer=offer)
    debt_load = debt_loads.debt_load_freeze(loan=loan)
    if debt_load is not None and debt_load.needs_notice:
        documents.pdn_notice(loan=loan)
        debt_loads.debt_load_acknowledge(debt_load=debt_load, acknowledged=acknowledged)
    Signature.objects.create(
        loan=loan,
        account=account,
        code=code,
        document_hash=signed.sha256,
        document=signed.terms,
        ip=ip,
    )
    destination = _payout_destination_for(
        account=account, loan=loan, destination=destination, request=request
    )
    return loan_services.loan_disburse(
        loan=loan, method=destination.kind, destination=destination.destination()
    )


@transaction.atomic
def application_cancel(*, loan: Loan) -> Loan:
    if loan.signed_at is not None:
        raise TransitionNotAllowed("A signed offer cannot be cancelled")
    return loan_services.loan_cancel(loan=loan, reason="cancelled by the borrower")


@transaction.atomic
def payout_retry(
    *, account: ClientAccount, loan: Loan, destination: PayoutDestination
) -> PayoutOrder:
    """After a failed payout the borrower picks a method again."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    request = LoanRequest.objects.filter(loan=loan).first()
    _payout_destination_for(account=account, loan=loan, destination=destination, request=request)
    return loan_services.loan_disburse(
        loan=loan, method=destination.kind, destination=destination.destination()
    )


# --- payments ------------------------------------------------------------------------------


def _intent(
    *,
    account: ClientAccount,
    purpose: str,
    amount_kop: int,
    loan: Loan | None = None,
    credit_line: CreditLine | None = None,
    days=None,
):
    intent = PaymentIntent(
        loan=loan,
        credit_line=credit_line,
        account=account,
        purpose=purpose,
        amount_kop=amount_kop,
        prolongation_days=days,
    )
    intent.confirmation_url = f"{settings.PAYMENT_PAGE_URL}{intent.pk}"
    intent.save()
    return intent


def _check_within_debt(*, amount_kop: int, full_kop: int, started_kop: int) -> None:
    """A new payment, with those already started and not yet paid, is at most the debt."""
    if amount_kop + started_kop <= full_kop:
        return
    raise InvalidAmount(
        f"The full repayment today is {full_kop} kop, {started_kop} kop of it already started",
        code="amount_above_debt",
        field="amount_kop",
    )


@transaction.atomic
def repayment_start(*, account: ClientAccount, loan: Loan, amount_kop: int) -> PaymentIntent:
    if loan.status not in (LoanStatus.SERVICED, LoanStatus.OVERDUE):
        raise TransitionNotAllowed("Only a live loan takes repayments")
    loan = Loan.objects.select_for_update().select_related("product").get(pk=loan.pk)
    full = loan_services.repayment_quote_kop(loan=loan)
    started = loan.payment_intents.filter(status=IntentStatus.PENDING).aggregate(
        total=Coalesce(Sum("amount_kop"), 0)
    )["total"]
    _check_within_debt(amount_kop=amount_kop, full_kop=full, started_kop=started)
    return _intent(
        account=account, loan=loan, purpose=IntentPurpose.REPAYMENT, amount_kop=amount_kop
    )


@transaction.atomic
def prolongation_start(*, account: ClientAccount, loan: Loan, days: int) -> PaymentIntent:
    quote = loan_services.prolongation_quote(loan=loan, days=days)
    if quote["pay_kop"] <= 0:
        # The core takes a prolongation only against a payment.
        raise DomainError(
            "Nothing has accrued yet; a prolongation is possible from tomorrow",
            code="prolongation_not_due",
        )
    return _intent(
        account=account,
        loan=loan,
        purpose=IntentPurpose.PROLONGATION,
        amount_kop=quote["pay_kop"],
        days=days,
    )


@transaction.atomic
def credit_line_repayment_start(
    *, account: ClientAccount, credit_line: CreditLine, amount_kop: int
) -> PaymentIntent:
    """Start a card repayment at the provider. With the card's payments already started and not
    yet paid, at most the whole debt of today: the card keeps no overpayment. Nothing reaches
    the card until the provider's webhook says the money is paid."""
    line = CreditLine.objects.select_for_update().get(pk=credit_line.pk)
    if line.status == CreditLineStatus.CLOSED:
        raise CreditLineClosed("The credit line is closed")
    full = credit_lines.credit_line_repayment_quote_kop(credit_line=line)
    started = line.payment_intents.filter(status=IntentStatus.PENDING).aggregate(
        total=Coalesce(Sum("amount_kop"), 0)
    )["total"]
    _check_within_debt(amount_kop=amount_kop, full_kop=full, started_kop=started)
    return _intent(
        account=account, credit_line=line, purpose=IntentPurpose.REPAYMENT, amount_kop=amount_kop
    )


# --- idempotency ---------------------------------------------------------------------------


def idempotency_begin(
    *, account: ClientAccount, key: str, request_hash: str
) -> tuple[IdempotencyRecord, bool]:
    """Claim the key, committed at once so a concurrent repeat sees it in flight.

    Returns the record and whether this request claimed it.
    """
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                account=account, key=key, request_hash=request_hash
            )
        return record, True
    except IntegrityError:
        return IdempotencyRecord.objects.get(account=account, key=key), False


def idempotency_finish(*, record: IdempotencyRecord, status: int, body) -> None:
    record.completed = True
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["completed", "response_status", "response_body"])


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, completed=False).delete()


# --- provider webhooks ---------------------------------------------------------------------


def webhook_signature_valid(*, body: bytes, signature: str) -> bool:
    """Compared as bytes: a str comparison refuses non-ASCII text with a TypeError."""
    expected = hmac.new(settings.PAYMENT_WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    given = signature.encode("utf-8", errors="replace")
    return hmac.compare_digest(f"sha256={expected}".encode(), given)


@transaction.atomic
def webhook_apply(*, event_id: str, event_type: str, data: dict, payload: dict) -> bool:
    """Apply a provider event once; False when it was already applied."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                provider=PROVIDER, event_id=event_id, event_type=event_type, payload=payload
            )
    except IntegrityError:
        return False
    if event_type in ("payout.succeeded", "payout.failed"):
        _payout_result(event_type=event_type, data=data)
    else:
        _payment_succeeded(event_id=event_id, data=data)
    return True


def _payout_result(*, event_type: str, data: dict) -> None:
    """A loan's payout (`payout-<loan>-<n>`) or a card transfer's (`card-transfer-<id>`)."""
    key = data.get("payout_key")
    succeeded = event_type == "payout.succeeded"
    reference, reason = str(data.get("reference", "")), str(data.get("reason", ""))
    match = _TRANSFER_KEY_RE.fullmatch(key) if isinstance(key, str) else None
    if match:
        if not CreditLineTransfer.objects.filter(pk=match[1]).exists():
            raise _unknown_payout()
        if succeeded:
            card_transfers.card_transfer_succeeded(transfer_id=int(match[1]), reference=reference)
        else:
            card_transfers.card_transfer_failed(transfer_id=int(match[1]), reason=reason)
        return
    payout = _payout_for(key)
    if succeeded:
        loan_services.payout_succeeded(payout_id=payout.pk, reference=reference)
    else:
        loan_services.payout_failed(payout_id=payout.pk, reason=reason)


def _payout_for(key) -> PayoutOrder:
    match = _PAYOUT_KEY_RE.fullmatch(key) if isinstance(key, str) else None
    payout = (
        PayoutOrder.objects.filter(loan_id=match[1], attempt=match[2]).first() if match else None
    )
    if payout is None:
        raise _unknown_payout()
    return payout


def _unknown_payout() -> UnknownProviderReference:
    return UnknownProviderReference(
        "No such payout", code="unknown_payout", field="data.payout_key"
    )


def _payment_succeeded(*, event_id: str, data: dict) -> None:
    """Money the provider collected: booked once by its event id, whatever the intent's or the
    debt's state now (a second payment for one intent, a loan closed meanwhile), never refused."""
    intent = PaymentIntent.objects.select_for_update().filter(pk=data.get("payment_id")).first()
    if intent is None:
        raise UnknownProviderReference(
            "No such payment", code="unknown_payment", field="data.payment_id"
        )
    amount = data["amount_kop"]
    if intent.credit_line_id is not None:
        _card_payment_succeeded(intent=intent, event_id=event_id, amount_kop=amount)
    else:
        _loan_payment_succeeded(intent=intent, event_id=event_id, amount_kop=amount)
    if intent.status == IntentStatus.PENDING:
        intent.status = IntentStatus.PAID
        intent.paid_at = timezone.now()
        intent.save(update_fields=["status", "paid_at"])


def _loan_payment_succeeded(*, intent: PaymentIntent, event_id: str, amount_kop: int) -> None:
    loan = intent.loan
    if intent.purpose == IntentPurpose.PROLONGATION and intent.status == IntentStatus.PENDING:
        try:
            with transaction.atomic():
                loan_services.loan_prolong(
                    loan=loan,
                    days=intent.prolongation_days,
                    provider=PROVIDER,
                    event_id=event_id,
                    amount_kop=amount_kop,
                )
            return
        except DomainError as exc:
            # The money is here whatever happened to the quote: it repays the loan instead.
            log.warning(
                "prolongation %s not possible (%s); applied as repayment", intent.pk, exc.code
            )
    loan_services.loan_payment_received(
        loan=loan, amount_kop=amount_kop, provider=PROVIDER, event_id=event_id
    )


def _card_payment_succeeded(*, intent: PaymentIntent, event_id: str, amount_kop: int) -> None:
    """The amount paid is applied, as on a loan, even when it differs from the intent's;
    above the card's debt it is owed back to the borrower."""
    credit_lines.credit_line_payment_received(
        credit_line=intent.credit_line, amount_kop=amount_kop, provider=PROVIDER, event_id=event_id
    )
