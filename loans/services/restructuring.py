"""An overdue loan turned into an installment plan: the plan, its preview, the borrower's
request and the restructuring itself."""

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction

from loans import bureau_outbox
from loans.business_date import current_business_date
from loans.errors import Conflict, DomainError, TransitionNotAllowed
from loans.models import BureauEventKind, Loan, RestructuringRequest
from loans.models.restructuring import (
    MAX_PERIOD_DAYS,
    MAX_PERIODS,
    MIN_PERIOD_DAYS,
    MIN_PERIODS,
    OPEN_RESTRUCTURING,
)
from loans.money import daily_interest_kop
from loans.schedules import Installment
from loans.services._transitions import Actor, S, _lock, _save
from loans.services.repayments import _accrued_copy, _reset_arrears, accrue_through
from loans.services.signing import _due_on, _write_schedule


def restructuring_plan(
    *,
    loan: Loan,
    periods: int,
    period_days: int,
    on: date,
    due_on: Callable[[date], date] | None = None,
) -> tuple[list[Installment], list[int]]:
    """Level installments for the debt, with the part of each that pays earlier charges.

    A payment goes to the penalty and the interest (earlier and new) before principal, so the
    plan clears the arrears first and the principal, on which interest accrues, follows; fees
    come after principal, in the last installment. Interest stops at the cap on all charges, as
    accrual does. The level is the smallest payment the last installment does not exceed.
    Due dates on non-working days move to the next working day, their interest with them.
    """
    due_on = due_on or _due_on(on, periods * period_days)

    def build(level: int) -> tuple[list[Installment], list[int]]:
        outstanding = loan.principal_out_kop
        arrears = loan.interest_out_kop + loan.penalty_out_kop
        room = loan.charges_room_kop
        items, shares = [], []
        previous = on
        for seq in range(1, periods + 1):
            due = due_on(on + timedelta(days=seq * period_days))
            days, previous = (due - previous).days, due
            interest = min(days * daily_interest_kop(outstanding, loan.daily_rate_ppm), room)
            room -= interest
            if seq == periods:
                share, principal = arrears + loan.fees_out_kop, outstanding
            else:
                share = min(arrears, max(0, level - interest))
                principal = min(outstanding, max(0, level - interest - share))
                arrears -= share
            outstanding -= principal
            items.append(Installment(seq, due, principal, interest))
            shares.append(share)
        return items, shares

    low, high = 0, loan.debt_kop + loan.charges_room_kop
    while low < high:
        level = (low + high) // 2
        items, shares = build(level)
        if items[-1].total_kop + shares[-1] <= level:
            high = level
        else:
            low = level + 1
    return build(low)


def _check_restructuring(*, loan: Loan, periods: int, period_days: int) -> None:
    if loan.status != S.OVERDUE:
        raise TransitionNotAllowed("Only an overdue loan can be restructured")
    if not (
        MIN_PERIODS <= periods <= MAX_PERIODS and MIN_PERIOD_DAYS <= period_days <= MAX_PERIOD_DAYS
    ):
        raise DomainError(
            f"A plan has {MIN_PERIODS}–{MAX_PERIODS} installments every "
            f"{MIN_PERIOD_DAYS}–{MAX_PERIOD_DAYS} days",
            code="invalid_restructuring",
        )


def restructuring_preview(
    *, loan: Loan, periods: int, period_days: int, on: date | None = None
) -> tuple[list[Installment], list[int]]:
    """The plan `loan_restructure` would build today, without changing the loan."""
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    on = on or current_business_date()
    return restructuring_plan(
        loan=_accrued_copy(loan, on=on), periods=periods, period_days=period_days, on=on
    )


@transaction.atomic
def restructuring_request(*, loan: Loan, periods: int, period_days: int) -> RestructuringRequest:
    """The borrower asks for a plan; collection offers one. One open request per loan."""
    loan = _lock(loan)
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    if loan.restructuring_requests.filter(status__in=OPEN_RESTRUCTURING).exists():
        raise Conflict(
            "A restructuring request for this loan is already open",
            code="restructuring_already_requested",
        )
    return RestructuringRequest.objects.create(loan=loan, periods=periods, period_days=period_days)


@transaction.atomic
def loan_restructure(*, loan: Loan, periods: int, period_days: int, actor: Actor = None) -> Loan:
    """Turn an overdue loan into an installment plan: penalties stop, the cap still holds."""
    loan = _lock(loan)
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    on = current_business_date()
    accrue_through(loan=loan, on=on)
    items, arrears = restructuring_plan(loan=loan, periods=periods, period_days=period_days, on=on)
    loan.schedule_version += 1
    loan.restructured = True
    loan.penalties_stopped = True
    _write_schedule(loan, items, arrears=arrears)
    _reset_arrears(loan, actor=actor, on=on, reason=f"restructured into {periods} installments")
    _save(loan, actor=actor, reason="restructuring")
    bureau_outbox.record_event(
        kind=BureauEventKind.RESTRUCTURING,
        on=on,
        loan=loan,
        extra={"periods": periods, "period_days": period_days},
    )
    return loan
