"""Money paid on a live loan: accrual up to today, the legal order of allocation, the journal
entry and the IncomingPayment, cure or close; and what repays the loan today."""

from datetime import date, timedelta

from django.db import transaction

from loans import bureau_outbox, servicing
from loans.business_date import current_business_date
from loans.errors import DomainError
from loans.ledger import Line, post_entry
from loans.models import Account, BureauEventKind, IncomingPayment, Loan
from loans.services._transitions import (
    Actor,
    S,
    _lock,
    _positive_kop,
    _require_live,
    _save,
    _transition,
)


def accrue_through(*, loan: Loan, on: date) -> None:
    """Accrue the days (accrued_through, on] for one locked loan, as COB would."""
    day = (loan.accrued_through or loan.issue_date) + timedelta(days=1)
    while day <= on:
        accrual = servicing.day_accrual(loan)
        if accrual.interest_kop or accrual.penalty_kop:
            post_entry(
                key=f"accrual:{loan.pk}:{day.isoformat()}",
                kind="accrual",
                business_date=day,
                loan=loan,
                lines=[
                    Line(Account.LOAN_INTEREST, accrual.interest_kop, loan.pk),
                    Line(Account.INTEREST_INCOME, -accrual.interest_kop),
                    Line(Account.LOAN_PENALTY, accrual.penalty_kop, loan.pk),
                    Line(Account.PENALTY_INCOME, -accrual.penalty_kop),
                ],
            )
            loan.interest_out_kop += accrual.interest_kop
            loan.penalty_out_kop += accrual.penalty_kop
            loan.charges_total_kop += accrual.interest_kop + accrual.penalty_kop
        loan.accrued_through = day
        day += timedelta(days=1)


def _refresh_overdue(loan: Loan, *, actor: Actor, on: date) -> None:
    split = servicing.overdue_split(loan)
    loan.interest_overdue_kop = split.interest_kop
    loan.principal_overdue_kop = split.principal_kop
    if loan.status == S.OVERDUE and not servicing.is_in_arrears(loan) and loan.debt_kop > 0:
        _transition(loan, "cure", actor=actor, reason="arrears paid", on=on)
        loan.overdue_since = None
        loan.days_past_due = 0


def _close_if_repaid(loan: Loan, *, actor: Actor, on: date) -> None:
    if loan.debt_kop == 0:
        _transition(loan, "repay_in_full", actor=actor, on=on)
        loan.closed_on = on
        loan.next_due_date = None
        loan.interest_overdue_kop = loan.principal_overdue_kop = 0
        loan.overdue_since = None
        loan.days_past_due = 0


def _existing_payment(*, provider: str, event_id: str, loan: Loan, amount_kop: int):
    existing = IncomingPayment.objects.filter(provider=provider, event_id=event_id).first()
    if existing and (existing.loan_id != loan.pk or existing.amount_kop != amount_kop):
        raise DomainError(
            "This provider event was already recorded with another loan or amount",
            code="event_conflict",
        )
    return existing


def _post_payment(
    *, loan: Loan, allocation: servicing.Allocation, key: str, on: date, kind: str
) -> "IncomingPayment":
    a = allocation
    bureau_outbox.record_event(
        kind=BureauEventKind.PAYMENT,
        on=on,
        loan=loan,
        extra={"payment_kop": a.total_kop, "payment_kind": kind, "allocation": a.as_dict()},
    )
    return post_entry(
        key=key,
        kind=kind,
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.CASH, a.total_kop),
            Line(Account.LOAN_INTEREST, -(a.overdue_interest_kop + a.interest_kop), loan.pk),
            Line(Account.LOAN_PRINCIPAL, -(a.overdue_principal_kop + a.principal_kop), loan.pk),
            Line(Account.LOAN_PENALTY, -a.penalty_kop, loan.pk),
            Line(Account.LOAN_FEES, -a.fees_kop, loan.pk),
            Line(Account.BORROWER_OVERPAYMENT, -a.overpayment_kop, loan.pk),
        ],
    )


def _apply_allocation(loan: Loan, a: servicing.Allocation) -> None:
    loan.interest_out_kop -= a.overdue_interest_kop + a.interest_kop
    loan.principal_out_kop -= a.overdue_principal_kop + a.principal_kop
    loan.penalty_out_kop -= a.penalty_kop
    loan.fees_out_kop -= a.fees_kop
    loan.overpayment_kop += a.overpayment_kop
    loan.paid_debt_kop += a.to_debt_kop
    loan.interest_overdue_kop = max(0, loan.interest_overdue_kop - a.overdue_interest_kop)
    loan.principal_overdue_kop = max(0, loan.principal_overdue_kop - a.overdue_principal_kop)


def _book_payment(
    *, loan: Loan, allocation: servicing.Allocation, provider: str, event_id: str, on: date
) -> IncomingPayment:
    """The provider's payment as one keyed journal entry and its IncomingPayment row."""
    entry = _post_payment(
        loan=loan,
        allocation=allocation,
        key=f"payment:{provider}:{event_id}",
        on=on,
        kind="repayment",
    )
    return IncomingPayment.objects.create(
        provider=provider,
        event_id=event_id,
        loan=loan,
        amount_kop=allocation.total_kop,
        business_date=on,
        entry=entry,
        allocation=allocation.as_dict(),
    )


@transaction.atomic
def loan_repay(
    *, loan: Loan, amount_kop: int, provider: str, event_id: str, actor: Actor = None
) -> IncomingPayment:
    """Apply a repayment in the legal order; the same provider event twice changes nothing."""
    _positive_kop(amount_kop)
    loan = _lock(loan)
    existing = _existing_payment(
        provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop
    )
    if existing:
        return existing
    _require_live(loan, "accept a repayment")
    on = current_business_date()
    accrue_through(loan=loan, on=on)
    allocation = servicing.allocate(loan, amount_kop)
    payment = _book_payment(
        loan=loan, allocation=allocation, provider=provider, event_id=event_id, on=on
    )
    _apply_allocation(loan, allocation)
    _close_if_repaid(loan, actor=actor, on=on)
    if loan.status != S.CLOSED:
        _refresh_overdue(loan, actor=actor, on=on)
    _save(loan, actor=actor, reason="repayment")
    return payment


@transaction.atomic
def loan_payment_received(
    *, loan: Loan, amount_kop: int, provider: str, event_id: str, actor: Actor = None
) -> IncomingPayment:
    """Money the provider has collected for a loan, booked once per provider event and never
    refused: a live loan takes it as a repayment (the rest held as overpayment); a loan that is
    closed, written off, or not yet live holds all of it for the borrower (a refund due)."""
    _positive_kop(amount_kop)
    loan = _lock(loan)
    existing = _existing_payment(
        provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop
    )
    if existing:
        return existing
    if loan.status in (S.SERVICED, S.OVERDUE):
        return loan_repay(
            loan=loan, amount_kop=amount_kop, provider=provider, event_id=event_id, actor=actor
        )
    on = current_business_date()
    allocation = servicing.Allocation(overpayment_kop=amount_kop)
    payment = _book_payment(
        loan=loan, allocation=allocation, provider=provider, event_id=event_id, on=on
    )
    loan.overpayment_kop += amount_kop
    _save(loan, actor=actor, reason=f"payment held for the borrower: the loan is {loan.status}")
    return payment


def _accrued_copy(loan: Loan, *, on: date) -> Loan:
    """An unsaved copy of the loan as `accrue_through(on=on)` would leave it."""
    probe = Loan(**{f.attname: getattr(loan, f.attname) for f in Loan._meta.concrete_fields})
    day = (loan.accrued_through or loan.issue_date) + timedelta(days=1)
    while day <= on:
        accrual = servicing.day_accrual(probe)
        probe.interest_out_kop += accrual.interest_kop
        probe.penalty_out_kop += accrual.penalty_kop
        probe.charges_total_kop += accrual.interest_kop + accrual.penalty_kop
        probe.accrued_through = day
        day += timedelta(days=1)
    return probe


def repayment_quote_kop(*, loan: Loan, on: date | None = None) -> int:
    """What repays the loan in full today: debt with today's interest (days used only)."""
    _require_live(loan, "quote a repayment")
    return _accrued_copy(loan, on=on or current_business_date()).debt_kop


def _reset_arrears(loan: Loan, *, actor: Actor, on: date, reason: str) -> None:
    loan.interest_overdue_kop = loan.principal_overdue_kop = 0
    if loan.status == S.OVERDUE:
        _transition(loan, "cure", actor=actor, reason=reason, on=on)
    loan.overdue_since = None
    loan.days_past_due = 0
