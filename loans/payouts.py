"""Payouts through the gateway: one way to send an order and settle the gateway's answer,
for a loan's payout order and for every other kind a higher floor registers (the card's
transfers, `cards.transfers`), and the one place that finds an order by the gateway's key.

A kind says how its orders are found, what they pay out and which service settles them; this
module never knows more of it. Each answer settles an order once: the services are idempotent.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import CharField, Exists, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat

from loans import services
from loans.gateway import GatewayTimeout, PayoutResult, get_gateway
from loans.ledger import account_balance
from loans.models import Account, JournalEntry, PayoutOrder, PayoutStatus
from loans.models.payments import PaidOut
from loans.payout_keys import build_key, split_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PayoutKind:
    """One kind of payout order. Its key is `<prefix>-<ids>`; its services take the order's id."""

    prefix: str
    model: type[PaidOut]
    key_digits: tuple[int, ...]
    find: Callable[[tuple[int, ...]], PaidOut | None]  # the order the key's ids name
    amount_kop: Callable[[PaidOut], int]
    live: Callable[[PaidOut], bool]  # still waiting for the gateway (sent or pending)
    succeeded: Callable[[int, str], object]  # (order id, the gateway's reference)
    failed: Callable[[int, str], object]  # (order id, the reason)
    mark_pending: Callable[[int], object]
    pending: Callable[[], Iterable[PaidOut]]  # orders whose answer was lost
    waiting_kop: Callable[[], int]  # money in transit for orders sent or pending
    # Orders the gateway confirmed with no confirmation entry, and that entry's key prefix.
    confirmed: Callable[[], QuerySet]
    confirmation_prefix: str


_KINDS: dict[str, PayoutKind] = {}


def register_kind(kind: PayoutKind) -> None:
    _KINDS[kind.prefix] = kind


def order_for_key(key: object) -> tuple[PayoutKind, PaidOut] | None:
    """The order a gateway key names (any kind), or None when there is no such order."""
    for kind in _KINDS.values():
        ids = split_key(key, prefix=kind.prefix, digits=kind.key_digits)
        if ids is not None:
            order = kind.find(ids)
            return (kind, order) if order is not None else None
    return None


def _destination(order: PaidOut) -> dict:
    if order.card_token:
        return {"card_token": order.card_token}
    return {"account": order.account_number, "bik": order.bik}


def settle(kind: PayoutKind, order_id: int, result: PayoutResult) -> str:
    """Apply the gateway's answer about one order; a pending answer changes nothing."""
    if result.status == "succeeded":
        kind.succeeded(order_id, result.reference)
    elif result.status == "failed":
        kind.failed(order_id, result.reason)
    return result.status


def send(kind: PayoutKind, order: PaidOut) -> str:
    """Send once through the gateway; a lost answer leaves it pending for the poll."""
    key = order.idempotency_key
    try:
        result = get_gateway().send_payout(
            key=key, amount_kop=kind.amount_kop(order), destination=_destination(order)
        )
    except GatewayTimeout:
        log.warning("%s: gateway timed out; will poll", key)
        kind.mark_pending(order.pk)
        return "pending"
    return settle(kind, order.pk, result)


def send_by_id(prefix: str, order_id: int) -> str:
    """The task's body: send an order of this kind unless it is already settled."""
    kind = _KINDS[prefix]
    order = kind.model._default_manager.get(pk=order_id)
    if not kind.live(order):
        return str(getattr(order, "status", ""))
    return send(kind, order)


def settle_by_key(*, key: object, succeeded: bool, reference: str, reason: str) -> bool:
    """The provider's webhook about a payout; False when the key names no order."""
    found = order_for_key(key)
    if found is None:
        return False
    kind, order = found
    if succeeded:
        kind.succeeded(order.pk, reference)
    else:
        kind.failed(order.pk, reason)
    return True


def poll_pending() -> int:
    """Ask the gateway about every order whose answer was lost; each is settled once."""
    gateway = get_gateway()
    waiting = [(kind, order) for kind in _KINDS.values() for order in kind.pending()]
    settled = 0
    for kind, order in waiting:
        result = gateway.payout_status(key=order.idempotency_key)
        if result.status != "pending":
            settle(kind, order.pk, result)
            settled += 1
    return settled


def waiting_kop() -> int:
    """What every order sent or pending still waits for."""
    return sum(kind.waiting_kop() for kind in _KINDS.values())


def payouts_in_transit_difference() -> int:
    """The in-transit account less what the payout orders and card transfers still wait for
    (sent, or pending a lost answer); 0 when every kopeck in transit is one of them."""
    return account_balance(account=Account.PAYOUTS_IN_TRANSIT) - waiting_kop()


def confirmed_payouts_without_entry(limit: int = 100) -> list[str]:
    """Gateway keys of the orders the gateway confirmed that have no confirmation entry."""
    keys: list[str] = []
    for kind in _KINDS.values():
        entry_key = Concat(
            Value(kind.confirmation_prefix),
            Cast(OuterRef("pk"), CharField()),
            output_field=CharField(),
        )
        missing = kind.confirmed().filter(~Exists(JournalEntry.objects.filter(key=entry_key)))
        keys += [order.idempotency_key for order in missing.order_by("pk")[:limit]]
    return keys


# --- a loan's payout order -------------------------------------------------------------------

LOAN_PAYOUT = "payout"
_LIVE = (PayoutStatus.SENT, PayoutStatus.PENDING)


def loan_payout_key(*, loan_id: int, attempt: int) -> str:
    return build_key(LOAN_PAYOUT, loan_id, attempt)


def _find_payout(ids: tuple[int, ...]) -> PaidOut | None:
    return PayoutOrder.objects.filter(loan_id=ids[0], attempt=ids[1]).first()


def _payout(order: PaidOut) -> PayoutOrder:
    assert isinstance(order, PayoutOrder)
    return order


register_kind(
    PayoutKind(
        prefix=LOAN_PAYOUT,
        model=PayoutOrder,
        key_digits=(18, 5),
        find=_find_payout,
        amount_kop=lambda order: _payout(order).amount_kop,
        live=lambda order: _payout(order).status in _LIVE,
        succeeded=lambda pk, reference: services.payout_succeeded(
            payout_id=pk, reference=reference
        ),
        failed=lambda pk, reason: services.payout_failed(payout_id=pk, reason=reason),
        mark_pending=lambda pk: services.payout_mark_pending(payout_id=pk),
        pending=lambda: PayoutOrder.objects.filter(status=PayoutStatus.PENDING).only(
            "pk", "loan_id", "attempt"
        ),
        waiting_kop=lambda: (
            PayoutOrder.objects.filter(status__in=_LIVE).aggregate(total=Sum("amount_kop"))["total"]
            or 0
        ),
        confirmed=lambda: PayoutOrder.objects.filter(status=PayoutStatus.SUCCEEDED).only(
            "pk", "loan_id", "attempt"
        ),
        confirmation_prefix="payout-done:",
    )
)
