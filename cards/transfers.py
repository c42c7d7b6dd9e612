"""Transfers from the card to the borrower's own account, paid out through the gateway.

A transfer draw books card principal against PAYOUTS_IN_TRANSIT and orders the payout after
commit (`cards.tasks.send_card_transfer`), sent and settled by `loans.payouts` as one kind of
payout order (`TRANSFER_KIND`, registered when the app loads). The gateway's answer, immediate
or by the provider's webhook, settles it once: paid moves the money from PAYOUTS_IN_TRANSIT to
CASH; failed reverses the draw, so the borrower owes nothing and accrues nothing for money that
never left.

A failure reported after the borrower already repaid part of the draw (or paid interest on it)
cannot give that money back to the draw: the principal repaid is taken off the line's other
draws instead, oldest first, as if the repayment had gone to them, and what remains is owed
back to the borrower on CARD_REFUND_DUE for staff to refund.
"""

from django.db import transaction
from django.db.models import Sum

from cards.models import TRANSFER_KEY_PREFIX, CreditLine, CreditLineDraw, CreditLineTransfer
from cards.models import TransferStatus as T
from cards.services import save_line
from kernel.errors import DomainError
from loans.business_date import current_business_date
from loans.ledger import Line, post_entry
from loans.models import Account
from loans.models.payments import PaidOut
from loans.payouts import PayoutKind


def _lock(transfer_id: int) -> tuple[CreditLine, CreditLineTransfer]:
    """The line first, then the transfer: the order every card write takes its locks in."""
    line_id = CreditLineDraw.objects.filter(transfer__pk=transfer_id).values_list(
        "credit_line_id", flat=True
    )
    line = CreditLine.objects.select_for_update().get(pk__in=line_id)
    transfer = (
        CreditLineTransfer.objects.select_for_update().select_related("draw").get(pk=transfer_id)
    )
    return line, transfer


@transaction.atomic
def card_transfer_mark_pending(*, transfer_id: int) -> CreditLineTransfer:
    """The gateway's answer was lost: the poll asks it later."""
    transfer = CreditLineTransfer.objects.select_for_update().get(pk=transfer_id)
    if transfer.status == T.SENT:
        transfer.status = T.PENDING
        transfer.save(update_fields=["status", "updated_at"])
    return transfer


@transaction.atomic
def card_transfer_succeeded(*, transfer_id: int, reference: str = "") -> CreditLineTransfer:
    """The money reached the borrower's account: in transit becomes cash paid out. Idempotent."""
    line, transfer = _lock(transfer_id)
    if transfer.status == T.PAID:
        return transfer
    if transfer.status == T.FAILED:
        raise DomainError("This payout was already reported failed", code="payout_already_failed")
    amount = transfer.draw.amount_kop
    post_entry(
        key=f"card-transfer-done:{transfer.pk}",
        kind="card_transfer_paid",
        business_date=current_business_date(),
        credit_line_id=line.pk,
        lines=[
            Line(Account.PAYOUTS_IN_TRANSIT, amount),
            Line(Account.CASH, -amount),
        ],
    )
    transfer.status, transfer.gateway_ref = T.PAID, reference[:64]
    transfer.save(update_fields=["status", "gateway_ref", "updated_at"])
    return transfer


def _take_from_other_draws(line: CreditLine, draw: CreditLineDraw, principal_kop: int) -> None:
    others = CreditLineDraw.objects.select_for_update().filter(
        credit_line=line, principal_out_kop__gt=0
    )
    for other in others.exclude(pk=draw.pk).order_by("business_date", "pk"):
        if not principal_kop:
            return
        take = min(principal_kop, other.principal_out_kop)
        other.principal_out_kop -= take
        other.save(update_fields=["principal_out_kop"])
        principal_kop -= take


@transaction.atomic
def card_transfer_failed(*, transfer_id: int, reason: str) -> CreditLineTransfer:
    """The money never left: the draw is reversed with its interest. Idempotent."""
    line, transfer = _lock(transfer_id)
    if transfer.status == T.FAILED:
        return transfer
    if transfer.status == T.PAID:
        raise DomainError("This payout was already reported paid", code="payout_already_paid")
    draw = transfer.draw
    principal = min(draw.amount_kop, line.principal_out_kop)
    # The draw's charges are its interest, and its share of a penalty if the line fell into
    # arrears while the transfer was pending; what of them was paid is owed back.
    interest = min(draw.charges_kop, line.interest_out_kop)
    penalty = min(draw.charges_kop - interest, line.penalty_out_kop)
    refund = draw.amount_kop - principal + draw.charges_kop - interest - penalty
    post_entry(
        key=f"card-transfer-failed:{transfer.pk}",
        kind="card_draw_reversal",
        business_date=current_business_date(),
        credit_line_id=line.pk,
        memo=reason[:200],
        lines=[
            Line(Account.PAYOUTS_IN_TRANSIT, draw.amount_kop),
            Line(Account.CARD_PRINCIPAL, -principal, credit_line_id=line.pk),
            Line(Account.CARD_INTEREST, -interest, credit_line_id=line.pk),
            Line(Account.CARD_PENALTY, -penalty, credit_line_id=line.pk),
            Line(Account.INTEREST_INCOME, draw.charges_kop),
            Line(Account.CARD_REFUND_DUE, -refund, credit_line_id=line.pk),
        ],
    )
    _take_from_other_draws(line, draw, principal - draw.principal_out_kop)
    line.principal_out_kop -= principal
    line.interest_out_kop -= interest
    line.penalty_out_kop -= penalty
    line.charges_total_kop -= draw.charges_kop
    save_line(line)
    draw.principal_out_kop = draw.charges_kop = 0
    draw.save(update_fields=["principal_out_kop", "charges_kop"])
    transfer.status, transfer.failure_reason = T.FAILED, reason[:200]
    transfer.save(update_fields=["status", "failure_reason", "updated_at"])
    return transfer


def _amount_kop(order: PaidOut) -> int:
    assert isinstance(order, CreditLineTransfer)
    return order.draw.amount_kop


_LIVE = (T.SENT, T.PENDING)

TRANSFER_KIND = PayoutKind(
    prefix=TRANSFER_KEY_PREFIX,
    model=CreditLineTransfer,
    key_digits=(18,),
    find=lambda ids: CreditLineTransfer.objects.filter(pk=ids[0]).first(),
    amount_kop=_amount_kop,
    live=lambda order: isinstance(order, CreditLineTransfer) and order.status in _LIVE,
    succeeded=lambda pk, reference: card_transfer_succeeded(transfer_id=pk, reference=reference),
    failed=lambda pk, reason: card_transfer_failed(transfer_id=pk, reason=reason),
    mark_pending=lambda pk: card_transfer_mark_pending(transfer_id=pk),
    pending=lambda: CreditLineTransfer.objects.filter(status=T.PENDING).only("pk"),
    waiting_kop=lambda: (
        CreditLineTransfer.objects.filter(status__in=_LIVE).aggregate(
            total=Sum("draw__amount_kop")
        )["total"]
        or 0
    ),
    confirmed=lambda: CreditLineTransfer.objects.filter(status=T.PAID).only("pk"),
    confirmation_prefix="card-transfer-done:",
)
