"""django-q2 task functions: thin wrappers around services and the gateway."""

import logging
from functools import partial

from django_q.tasks import async_task

from loans import card_transfers, messaging, services
from loans.gateway import GatewayTimeout, get_gateway
from loans.models import CreditLineTransfer, PayoutOrder, PayoutStatus, TransferStatus
from loans.models.payments import PaidOut

log = logging.getLogger(__name__)


def enqueue_send_payout(payout_id: int) -> None:
    async_task("loans.tasks.send_payout", payout_id, task_name=f"payout-{payout_id}")


def _destination(order: PaidOut) -> dict:
    if order.card_token:
        return {"card_token": order.card_token}
    return {"account": order.account_number, "bik": order.bik}


def _send(order: PaidOut, *, amount_kop: int, settle, mark_pending) -> str:
    """Send once through the gateway; a lost answer leaves it pending for the poll."""
    try:
        result = get_gateway().send_payout(
            key=order.idempotency_key, amount_kop=amount_kop, destination=_destination(order)
        )
    except GatewayTimeout:
        log.warning("%s: gateway timed out; will poll", order.idempotency_key)
        mark_pending()
        return "pending"
    return settle(result)


def _settle(result, *, succeeded, failed) -> str:
    if result.status == "succeeded":
        succeeded(reference=result.reference)
    elif result.status == "failed":
        failed(reason=result.reason)
    return result.status


def _apply_result(payout_id: int, result) -> str:
    return _settle(
        result,
        succeeded=partial(services.payout_succeeded, payout_id=payout_id),
        failed=partial(services.payout_failed, payout_id=payout_id),
    )


def _apply_transfer_result(transfer_id: int, result) -> str:
    return _settle(
        result,
        succeeded=partial(card_transfers.card_transfer_succeeded, transfer_id=transfer_id),
        failed=partial(card_transfers.card_transfer_failed, transfer_id=transfer_id),
    )


def send_payout(payout_id: int) -> str:
    payout = PayoutOrder.objects.get(pk=payout_id)
    if payout.status not in (PayoutStatus.SENT, PayoutStatus.PENDING):
        return payout.status
    return _send(
        payout,
        amount_kop=payout.amount_kop,
        settle=partial(_apply_result, payout_id),
        mark_pending=partial(services.payout_mark_pending, payout_id=payout_id),
    )


def enqueue_send_card_transfer(transfer_id: int) -> None:
    async_task(
        "loans.tasks.send_card_transfer", transfer_id, task_name=f"card-transfer-{transfer_id}"
    )


def send_card_transfer(transfer_id: int) -> str:
    transfer = CreditLineTransfer.objects.select_related("draw").get(pk=transfer_id)
    if transfer.status not in (TransferStatus.SENT, TransferStatus.PENDING):
        return transfer.status
    return _send(
        transfer,
        amount_kop=transfer.draw.amount_kop,
        settle=partial(_apply_transfer_result, transfer_id),
        mark_pending=partial(card_transfers.card_transfer_mark_pending, transfer_id=transfer_id),
    )


def poll_pending_payouts() -> int:
    """Ask the gateway about payouts (a loan's or a card transfer's) whose answer was lost;
    each is settled exactly once."""
    gateway = get_gateway()
    waiting = [
        (payout, partial(_apply_result, payout.pk))
        for payout in PayoutOrder.objects.filter(status=PayoutStatus.PENDING).only("pk", "loan_id")
    ] + [
        (transfer, partial(_apply_transfer_result, transfer.pk))
        for transfer in CreditLineTransfer.objects.filter(status=TransferStatus.PENDING).only("pk")
    ]
    settled = 0
    for order, settle in waiting:
        result = gateway.payout_status(key=order.idempotency_key)
        if result.status != "pending":
            settle(result)
            settled += 1
    return settled


def deliver_messages() -> str:
    outcome = messaging.deliver_queued()
    return ", ".join(f"{status} {count}" for status, count in outcome.items())


def release_due_payouts() -> int:
    """Send the payouts whose 115-FZ cooling time after signing has passed."""
    return len(services.payout_release_due())


def send_bureau_reports() -> dict:
    """The credit-history outbox, every minute: what is due goes to each bureau."""
    from loans import bureau_sending

    return bureau_sending.send_due()
