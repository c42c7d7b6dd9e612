"""The payout of a signed loan: the order, its release after the cooling time, and the
gateway's answer (the loan goes live, or back to approved)."""

import logging
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from kernel import dispatch
from loans.business_date import current_business_date
from loans.errors import CapExceeded, DomainError, TransitionNotAllowed
from loans.ledger import Line, post_entry
from loans.messaging import message_enqueue
from loans.models import (
    Account,
    Loan,
    LoanStatus,
    PayoutOrder,
    PayoutStatus,
    ProductKind,
    ScheduleItem,
)
from loans.money import format_rub
from loans.payment_details import payout_destination_fields
from loans.psk import psk_for_schedule
from loans.regulation import earliest_payout, limits_for_contract
from loans.schedules import annuity_schedule, pdl_schedule
from loans.services._transitions import Actor, _lock, _save, _transition
from loans.services.signing import _write_schedule, check_contract_caps

log = logging.getLogger(__name__)


@transaction.atomic
def loan_disburse(
    *, loan: Loan, method: str, destination: dict, actor: Actor = None
) -> PayoutOrder:
    """Order the payout. The gateway is called after commit; its answer comes back later.

    Before the 115-FZ cooling time after signing has passed, the order is only scheduled:
    `payout_release_due` sends it when its time comes (the loan stays approved until then).
    """
    loan = _lock(loan)
    if loan.signed_at is None:
        raise TransitionNotAllowed("The offer must be signed before payout")
    earlier = list(loan.payouts.only("status", "not_before").order_by("pk"))
    waiting = next((p for p in earlier if p.status == PayoutStatus.SCHEDULED), None)
    if waiting is not None:
        raise TransitionNotAllowed(
            f"A payout is already scheduled for {waiting.not_before:%Y-%m-%d %H:%M %Z}",
            code="payout_scheduled",
        )
    on = current_business_date()
    order = PayoutOrder(
        loan=loan,
        amount_kop=loan.principal_kop - loan.signing_fee_kop,
        method=method,
        **payout_destination_fields(method=method, destination=destination, today=on),
    )
    order.attempt = len(earlier) + 1
    order.not_before = earliest_payout(
        principal_kop=loan.principal_kop, signed_at=loan.signed_at, signed_on=loan.signed_on
    )
    if order.not_before > timezone.now():
        order.status = PayoutStatus.SCHEDULED
        order.save()
        return order
    return _send_payout_order(order, loan=loan, actor=actor, on=on)


def _send_payout_order(order: PayoutOrder, *, loan: Loan, actor: Actor, on: date) -> PayoutOrder:
    _transition(loan, "disburse", actor=actor, on=on)
    order.status = PayoutStatus.SENT
    order.save()
    post_entry(
        key=f"payout-sent:{order.pk}",
        kind="payout_sent",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.PAYOUTS_IN_TRANSIT, order.amount_kop),
            Line(Account.CASH, -order.amount_kop),
        ],
    )
    _save(loan, actor=actor)
    dispatch.on_commit("loans.tasks.send_payout", order.pk, task_name=f"payout-{order.pk}")
    return order


@transaction.atomic
def payout_release_due(*, now: datetime | None = None) -> list[int]:
    """Send the scheduled payouts whose cooling time has passed (a schedule, every minute).

    A loan cancelled while its payout waited keeps its money: the order fails instead."""
    now = now or timezone.now()
    released = []
    due = PayoutOrder.objects.select_for_update().filter(
        status=PayoutStatus.SCHEDULED, not_before__lte=now
    )
    for order in due.order_by("not_before", "pk"):
        loan = _lock(order.loan)
        if loan.status != LoanStatus.APPROVED:
            order.status = PayoutStatus.FAILED
            order.failure_reason = f"the loan is {loan.status}; nothing was paid out"
            order.save(update_fields=["status", "failure_reason", "updated_at"])
            continue
        _send_payout_order(order, loan=loan, actor=None, on=current_business_date())
        released.append(order.pk)
    return released


def _lock_payout(payout_id: int) -> PayoutOrder:
    return PayoutOrder.objects.select_for_update().select_related("loan").get(pk=payout_id)


@transaction.atomic
def payout_mark_pending(*, payout_id: int) -> PayoutOrder:
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.SENT:
        payout.status = PayoutStatus.PENDING
        payout.save(update_fields=["status", "updated_at"])
    return payout


@transaction.atomic
def payout_succeeded(*, payout_id: int, reference: str = "") -> PayoutOrder:
    """The gateway confirms the money reached the borrower: the loan goes live. Idempotent."""
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.SUCCEEDED:
        return payout
    if payout.status == PayoutStatus.FAILED:
        raise DomainError("This payout was already reported failed", code="payout_already_failed")
    loan = _lock(payout.loan)
    on = current_business_date()
    _transition(loan, "confirm_payout", actor=None, on=on)
    fee = loan.signing_fee_kop
    if fee:
        # The fee is charged as the money goes out, then settled from the principal: the
        # borrower owes the whole principal and received the principal less the fee.
        post_entry(
            key=f"signing-fee:{loan.pk}",
            kind="fee",
            business_date=on,
            loan=loan,
            lines=[Line(Account.LOAN_FEES, fee, loan.pk), Line(Account.FEE_INCOME, -fee)],
        )
        loan.charges_total_kop += fee
    fee_settled = [Line(Account.LOAN_FEES, -fee, loan.pk)] if fee else []
    post_entry(
        key=f"payout-done:{payout.pk}",
        kind="payout_confirmed",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.LOAN_PRINCIPAL, loan.principal_kop, loan.pk),
            Line(Account.PAYOUTS_IN_TRANSIT, -payout.amount_kop),
            *fee_settled,
        ],
    )
    loan.issue_date = on
    loan.accrued_through = on
    loan.principal_out_kop = loan.principal_kop
    if on != loan.signed_on:
        _redate_schedule(loan, on=on)
    _save(loan, actor=None, reason="payout confirmed")
    payout.status = PayoutStatus.SUCCEEDED
    payout.gateway_ref = reference
    payout.save(update_fields=["status", "gateway_ref", "updated_at"])
    return payout


def _redate_schedule(loan: Loan, *, on: date) -> None:
    """The money reached the borrower on a later business date than the signing: the schedule
    starts that day at the terms signed (amount, rate, term, period frozen on the loan, never the
    product's of today), its ПСК recomputed and checked against the caps of the signing date,
    and the borrower is sent the new dates."""
    product = loan.product
    if product.kind == ProductKind.PDL:
        items = pdl_schedule(
            principal_kop=loan.principal_kop,
            daily_rate_ppm=loan.daily_rate_ppm,
            term_days=loan.term_days,
            issue_date=on,
        )
    else:
        items = annuity_schedule(
            principal_kop=loan.principal_kop,
            daily_rate_ppm=loan.daily_rate_ppm,
            period_days=loan.period_days,
            periods=loan.term_days // loan.period_days,
            issue_date=on,
            first_period_days=loan.first_period_days,
        )
    psk = psk_for_schedule(
        issue_date=on,
        principal_kop=loan.principal_kop,
        items=items,
        signing_fee_kop=loan.signing_fee_kop,
    )
    try:
        check_contract_caps(
            limits=limits_for_contract(signed_on=loan.signed_on, category=product.kind),
            product=product,
            principal_kop=loan.principal_kop,
            items=items,
            psk=psk,
            daily_rate_ppm=loan.daily_rate_ppm,
            signing_fee_kop=loan.signing_fee_kop,
        )
    except CapExceeded:
        # The same terms over periods of the same length cannot cost more; should they, the
        # signed dates stand rather than a schedule the law forbids.
        log.error("loan %s: the re-dated schedule breaks a cap; the signed one is kept", loan.pk)
        return
    ScheduleItem.objects.filter(loan=loan).delete()
    _write_schedule(loan, items)
    loan.psk_percent = psk.percent
    loan.psk_kop = psk.amount_kop
    first = items[0]
    message_enqueue(
        borrower=loan.borrower,
        phone=loan.borrower.phone,
        kind="schedule_redated",
        body=(
            f"Займер: деньги по договору №{loan.pk} зачислены {on:%d.%m.%Y}. Первый платёж "
            f"{format_rub(first.total_kop)} — {first.due_date:%d.%m.%Y}; график в приложении."
        ),
    )


@transaction.atomic
def payout_failed(*, payout_id: int, reason: str) -> PayoutOrder:
    """The gateway refused: money back to cash, the loan back to approved. Idempotent."""
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.FAILED:
        return payout
    if payout.status == PayoutStatus.SUCCEEDED:
        raise DomainError("This payout was already reported paid", code="payout_already_paid")
    loan = _lock(payout.loan)
    on = current_business_date()
    _transition(loan, "payout_failed", actor=None, reason=reason, on=on)
    post_entry(
        key=f"payout-failed:{payout.pk}",
        kind="payout_failed",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.CASH, payout.amount_kop),
            Line(Account.PAYOUTS_IN_TRANSIT, -payout.amount_kop),
        ],
    )
    _save(loan, actor=None, reason="payout failed")
    payout.status = PayoutStatus.FAILED
    payout.failure_reason = reason[:200]
    payout.save(update_fields=["status", "failure_reason", "updated_at"])
    return payout
