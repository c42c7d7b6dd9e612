"""A debt written off: its balances leave the book as an expense."""

from django.db import transaction

from loans.business_date import current_business_date
from loans.ledger import Line, post_entry
from loans.models import Account, Loan
from loans.services._transitions import Actor, _lock, _save, _transition


@transaction.atomic
def loan_write_off(*, loan: Loan, reason: str, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    on = current_business_date()
    _transition(loan, "write_off", actor=actor, reason=reason, on=on)
    total = loan.debt_kop
    post_entry(
        key=f"write-off:{loan.pk}",
        kind="write_off",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.WRITE_OFF_EXPENSE, total),
            Line(Account.LOAN_PRINCIPAL, -loan.principal_out_kop, loan.pk),
            Line(Account.LOAN_INTEREST, -loan.interest_out_kop, loan.pk),
            Line(Account.LOAN_PENALTY, -loan.penalty_out_kop, loan.pk),
            Line(Account.LOAN_FEES, -loan.fees_out_kop, loan.pk),
        ],
    )
    loan.principal_out_kop = loan.interest_out_kop = loan.penalty_out_kop = loan.fees_out_kop = 0
    loan.interest_overdue_kop = loan.principal_overdue_kop = 0
    loan.next_due_date = None
    loan.closed_on = on
    _save(loan, actor=actor, reason=reason)
    return loan
