"""A payday loan's due date moved on against a payment of its charges and the fee."""

from datetime import date, timedelta

from django.db import transaction

from loans import bureau_outbox, servicing, workdays
from loans.business_date import current_business_date
from loans.errors import CapExceeded, DomainError, InvalidAmount, LimitExceeded
from loans.ledger import Line, post_entry
from loans.models import Account, BureauEventKind, IncomingPayment, Loan, ProductKind
from loans.money import daily_interest_kop
from loans.schedules import Installment
from loans.services._transitions import Actor, _lock, _require_live, _save
from loans.services.repayments import (
    _apply_allocation,
    _existing_payment,
    _post_payment,
    _reset_arrears,
    accrue_through,
    repayment_quote_kop,
)
from loans.services.signing import _write_schedule

PROLONGATION_MIN_DAYS = 7
PROLONGATION_MAX_DAYS = 30


def prolongation_quote(*, loan: Loan, days: int, on: date | None = None) -> dict:
    """What a prolongation costs today and what it changes; raises if a rule forbids it."""
    on = on or current_business_date()
    if loan.product.kind != ProductKind.PDL:
        raise DomainError("Only payday loans can be prolonged", code="prolongation_not_allowed")
    _require_live(loan, "prolong")
    if loan.principal_out_kop == 0:  # only charges are left: moving a due date buys nothing
        raise DomainError(
            "Nothing is left to prolong: the principal is repaid; pay the rest of the debt",
            code="nothing_to_prolong",
        )
    if not PROLONGATION_MIN_DAYS <= days <= PROLONGATION_MAX_DAYS:
        raise DomainError(
            f"A prolongation moves the due date by "
            f"{PROLONGATION_MIN_DAYS}–{PROLONGATION_MAX_DAYS} days",
            code="invalid_prolongation_days",
            field="days",
        )
    if loan.prolongations >= loan.max_prolongations:
        raise LimitExceeded(
            f"The product allows {loan.max_prolongations} prolongation(s); "
            f"{loan.prolongations} already used",
            code="prolongation_limit",
        )
    debt_today = repayment_quote_kop(loan=loan, on=on)
    charges_due = debt_today - loan.principal_out_kop
    fee = loan.product.prolongation_fee_kop
    new_due = workdays.on_or_after(max(loan.maturity_date, on) + timedelta(days=days))
    interest = (new_due - on).days * daily_interest_kop(loan.principal_out_kop, loan.daily_rate_ppm)
    accrued_today = debt_today - loan.debt_kop
    room = loan.charges_room_kop - accrued_today
    if fee + interest > room:
        raise CapExceeded(
            f"The prolongation would bring charges above the cap on all charges "
            f"({loan.charges_cap_kop} kop)",
        )
    return {
        "pay_kop": charges_due + fee,
        "fee_kop": fee,
        "new_due_date": new_due,
        "interest_kop": interest,
    }


@transaction.atomic
def loan_prolong(
    *, loan: Loan, days: int, provider: str, event_id: str, amount_kop: int, actor: Actor = None
) -> Loan:
    """Prolong a payday loan against a payment of the accrued charges plus the fee."""
    loan = _lock(loan)
    if IncomingPayment.objects.filter(provider=provider, event_id=event_id).exists():
        _existing_payment(provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop)
        return loan
    on = current_business_date()
    quote = prolongation_quote(loan=loan, days=days, on=on)
    if amount_kop != quote["pay_kop"]:
        raise InvalidAmount(
            f"A prolongation for {days} days needs a payment of exactly {quote['pay_kop']} kop",
            field="amount_kop",
        )
    accrue_through(loan=loan, on=on)
    fee = quote["fee_kop"]
    if fee:
        post_entry(
            key=f"prolongation-fee:{provider}:{event_id}",
            kind="fee",
            business_date=on,
            loan=loan,
            lines=[Line(Account.LOAN_FEES, fee, loan.pk), Line(Account.FEE_INCOME, -fee)],
        )
        loan.fees_out_kop += fee
        loan.charges_total_kop += fee
    allocation = servicing.Allocation(
        overdue_interest_kop=0,
        penalty_kop=loan.penalty_out_kop,
        interest_kop=loan.interest_out_kop,
        fees_kop=loan.fees_out_kop,
    )
    entry = _post_payment(
        loan=loan,
        allocation=allocation,
        key=f"payment:{provider}:{event_id}",
        on=on,
        kind="prolongation",
    )
    IncomingPayment.objects.create(
        provider=provider,
        event_id=event_id,
        loan=loan,
        amount_kop=amount_kop,
        business_date=on,
        entry=entry,
        allocation=allocation.as_dict(),
    )
    _apply_allocation(loan, allocation)
    loan.prolongations += 1
    loan.schedule_version += 1
    item = Installment(
        seq=1,
        due_date=quote["new_due_date"],
        principal_kop=loan.principal_out_kop,
        interest_kop=quote["interest_kop"],
    )
    _write_schedule(loan, [item])
    _reset_arrears(loan, actor=actor, on=on, reason=f"prolonged by {days} days")
    _save(loan, actor=actor, reason="prolongation")
    bureau_outbox.record_event(
        kind=BureauEventKind.PROLONGATION, on=on, loan=loan, extra={"days": days}
    )
    return loan
