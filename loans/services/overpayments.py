"""Money held for the borrower on a loan, returned to them."""

from django.db import transaction

from loans.business_date import current_business_date
from loans.errors import InvalidAmount
from loans.ledger import Line, post_entry
from loans.models import Account, Loan
from loans.services._transitions import Actor, _lock, _save


@transaction.atomic
def loan_refund_overpayment(*, loan: Loan, actor: Actor = None) -> int:
    """Return an overpayment held for the borrower (to the card or account they name)."""
    loan = _lock(loan)
    amount = loan.overpayment_kop
    if amount <= 0:
        raise InvalidAmount("Nothing is held for this borrower on this loan")
    on = current_business_date()
    refunds = loan.journal_entries.filter(kind="refund").count()
    post_entry(
        key=f"refund:{loan.pk}:{refunds + 1}",
        kind="refund",
        business_date=on,
        loan=loan,
        lines=[Line(Account.BORROWER_OVERPAYMENT, amount, loan.pk), Line(Account.CASH, -amount)],
    )
    loan.overpayment_kop = 0
    _save(loan, actor=actor, reason="overpayment refunded")
    return amount
