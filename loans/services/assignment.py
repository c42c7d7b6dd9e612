"""A debt assigned to a buyer (цессия, Civil Code art. 382): it leaves the book as a write-off
does, its price due from the buyer and the rest of the debt an expense, and the bureaus are
told who holds it now (218-FZ)."""

import re

from django.db import transaction

from loans import bureau_outbox
from loans.business_date import current_business_date
from loans.errors import DomainError, InvalidAmount
from loans.ledger import Line, post_entry
from loans.models import Account, BureauEventKind, DebtAssignment, Loan
from loans.money import MoneyError, require_positive_kop
from loans.services._transitions import Actor, _lock, _save, _transition

# A company's ИНН has 10 digits, a sole trader's 12.
INN = re.compile(r"\d{10}|\d{12}")


@transaction.atomic
def loan_assign(
    *,
    loan: Loan,
    assignee: str,
    assignee_inn: str,
    agreement: str,
    price_kop: int,
    actor: Actor = None,
) -> DebtAssignment:
    """Sell an overdue loan's debt at `price_kop` (more than nothing, at most the debt)."""
    try:
        require_positive_kop(price_kop, what="price")
    except MoneyError as exc:
        raise InvalidAmount(str(exc), field="price_kop") from exc
    assignee, assignee_inn, agreement = assignee.strip(), assignee_inn.strip(), agreement.strip()
    if not assignee:
        raise DomainError("Name the buyer of the debt", code="invalid", field="assignee")
    if not INN.fullmatch(assignee_inn):
        raise DomainError(
            "The buyer's ИНН has 10 or 12 digits", code="invalid", field="assignee_inn"
        )
    if not agreement:
        raise DomainError("Name the assignment agreement", code="invalid", field="agreement")
    loan = _lock(loan)
    on = current_business_date()
    reason = f"assigned to {assignee} under {agreement}"
    _transition(loan, "assign", actor=actor, reason=reason, on=on)
    debt = loan.debt_kop
    if price_kop > debt:
        raise InvalidAmount(
            f"The price is above the debt of {debt} kop", code="price_above_debt", field="price_kop"
        )
    entry = post_entry(
        key=f"assignment:{loan.pk}",
        kind="assignment",
        business_date=on,
        loan=loan,
        memo=f"{agreement}: {assignee}"[:200],
        lines=[
            Line(Account.ASSIGNMENT_RECEIVABLE, price_kop),
            Line(Account.WRITE_OFF_EXPENSE, debt - price_kop),
            Line(Account.LOAN_PRINCIPAL, -loan.principal_out_kop, loan.pk),
            Line(Account.LOAN_INTEREST, -loan.interest_out_kop, loan.pk),
            Line(Account.LOAN_PENALTY, -loan.penalty_out_kop, loan.pk),
            Line(Account.LOAN_FEES, -loan.fees_out_kop, loan.pk),
        ],
    )
    assignment = DebtAssignment.objects.create(
        loan=loan,
        assignee=assignee[:200],
        assignee_inn=assignee_inn,
        agreement=agreement[:100],
        price_kop=price_kop,
        debt_kop=debt,
        business_date=on,
        entry=entry,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
    )
    loan.principal_out_kop = loan.interest_out_kop = loan.penalty_out_kop = loan.fees_out_kop = 0
    loan.interest_overdue_kop = loan.principal_overdue_kop = 0
    loan.next_due_date = None
    loan.closed_on = on
    _save(loan, actor=actor, reason=reason)
    bureau_outbox.record_event(
        kind=BureauEventKind.ASSIGNED,
        on=on,
        loan=loan,
        extra={
            "assignee": assignee,
            "assignee_inn": assignee_inn,
            "agreement": agreement,
            "assigned_kop": debt,
        },
    )
    return assignment
