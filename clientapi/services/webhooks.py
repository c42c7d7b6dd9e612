"""The payment provider's signed events: payouts settled, payments booked, each event once."""

import hashlib
import hmac
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cards import services as credit_lines
from clientapi.models import IntentPurpose, IntentStatus, PaymentIntent, WebhookEvent
from clientapi.refusals import UnknownProviderReference
from loans import payouts
from loans import services as loan_services
from loans.errors import DomainError

log = logging.getLogger(__name__)

PROVIDER = "sandbox"


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
    settled = payouts.settle_by_key(
        key=data.get("payout_key"),
        succeeded=event_type == "payout.succeeded",
        reference=str(data.get("reference", "")),
        reason=str(data.get("reason", "")),
    )
    if not settled:
        raise _unknown_payout()


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
