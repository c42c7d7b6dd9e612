"""django-q2 task functions: thin wrappers around services and the gateway."""

import logging

from django_q.tasks import async_task

from loans import card_transfers, messaging, services
from loans.gateway import GatewayTimeout, get_gateway
from loans.models import CreditLineTransfer, PayoutOrder, PayoutStatus, TransferStatus

log = logging.getLogger(__name__)


def enqueue_send_payout(payout_id: int) -> None:
    async_task("loans.tasks.send_payout", payout_id, task_name=f"payout-{payout_id}")


def _destination(payout: PayoutOrder) -> dict:
    if payout.card_token:
        return {"card_token": payout.card_token}
    return {"account": payout.account_number, "bik": payout.bik}


def send_payout(payout_id: int) -> str:
    payout = PayoutOrder.objects.get(pk=payout_id)
    if payout.status not in (PayoutStatus.SENT, PayoutStatus.PENDING):
        return payout.status
    try:
        result = get_gateway().send_payout(
            key=payout.idempotency_key,
            amount_kop=payout.amount_kop,
            destination=_destination(payout),
        )
    except GatewayTimeout:
        log.warning("payout %s: gateway timed out; will poll", payout_id)
        services.payout_mark_pending(payout_id=payout_id)
        return PayoutStatus.PENDING
    return _apply_result(payout_id, result)


def _apply_result(payout_id: int, result) -> str:
    if result.status == "succeeded":
        services.payout_succeeded(payout_id=payout_id, reference=result.reference)
    elif result.status == "failed":
        services.payout_failed(payout_id=payout_id, reason=result.reason)
    return result.status


def poll_pending_payouts() -> int:
    """Ask the gateway about payouts (a loan's or a card transfer's) whose answer was lost;
    each is settled exactly once."""
    gateway = get_gateway()
    settled = 0
    for payout in PayoutOrder.objects.filter(status=PayoutStatus.PENDING).only("pk", "loan_id"):
        result = gateway.payout_status(key=payout.idempotency_key)
        if result.status != "pending":
            _apply_result(payout.pk, result)
            settled += 1
    for transfer in CreditLineTransfer.objects.filter(status=TransferStatus.PENDING).only("pk"):
        result = gateway.payout_status(key=transfer.idempotency_key)
        if result.status != "pending":
            _apply_transfer_result(transfer.pk, result)
            settled += 1
    return settled


def enqueue_send_card_transfer(transfer_id: int) -> None:
    async_task(
        "loans.tasks.send_card_transfer", transfer_id, task_name=f"card-transfer-{transfer_id}"
    )


def send_card_transfer(transfer_id: int) -> str:
    transfer = CreditLineTransfer.objects.select_related("draw").get(pk=transfer_id)
    if transfer.status not in (TransferStatus.SENT, TransferStatus.PENDING):
        return transfer.status
    try:
        result = get_gateway().send_payout(
            key=transfer.idempotency_key,
            amount_kop=transfer.draw.amount_kop,
            destination=transfer.gateway_destination(),
        )
    except GatewayTimeout:
        log.warning("card transfer %s: gateway timed out; will poll", transfer_id)
        card_transfers.card_transfer_mark_pending(transfer_id=transfer_id)
        return TransferStatus.PENDING
    return _apply_transfer_result(transfer_id, result)


def _apply_transfer_result(transfer_id: int, result) -> str:
    if result.status == "succeeded":
        card_transfers.card_transfer_succeeded(transfer_id=transfer_id, reference=result.reference)
    elif result.status == "failed":
        card_transfers.card_transfer_failed(transfer_id=transfer_id, reason=result.reason)
    return result.status


def deliver_messages() -> str:
    outcome = messaging.deliver_queued()
    return ", ".join(f"{status} {count}" for status, count in outcome.items())


def run_cob() -> str:
    from loans.cob import run_cob_until_yesterday

    runs = run_cob_until_yesterday()
    return ", ".join(r.business_date.isoformat() for r in runs) or "nothing to close"


def release_due_payouts() -> int:
    """Send the payouts whose 115-FZ cooling time after signing has passed."""
    return len(services.payout_release_due())
