"""The debt a collection case works on, a loan or a virtual card, read through one interface.

Collection (the strategy, the case's figures, promises, the legal hand-over) reads a `Debt`;
only this module knows where each kind keeps its balances. A card has no fees and cannot be
restructured (the loan core's installment plan is for loans); its arrears are the unpaid part of
missed minimum payments, interest first (`cards.allocation`).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cards.allocation import overdue_parts
from cards.models import CreditLine, CreditLineDraw, CreditLineRepayment, CreditLineStatus
from collection.prediction import loan_facts
from loans.models import Loan, LoanStatus, TransitionLog

if TYPE_CHECKING:
    from collection.models import CollectionCase

LOAN = "loan"
CARD = "card"


@dataclass(frozen=True)
class Debt:
    """An overdue debt as collection sees it: its figures and the debtor's history facts
    (the strategy's rules and models read the same names for both kinds)."""

    kind: str
    pk: int
    borrower_id: int
    is_overdue: bool
    days_past_due: int
    overdue_principal_kop: int
    overdue_interest_kop: int
    penalty_kop: int
    fees_kop: int
    debt_kop: int
    principal_kop: int
    principal_out_kop: int
    paid_debt_kop: int
    prolongations: int
    restructured: bool
    was_overdue_before: bool
    closed_loans: int

    @property
    def restructurable(self) -> bool:
        return self.kind == LOAN

    def case_figures(self) -> dict[str, int]:
        """The figures a case copies from its debt."""
        return {
            "days_past_due": self.days_past_due,
            "overdue_principal_kop": self.overdue_principal_kop,
            "overdue_interest_kop": self.overdue_interest_kop,
            "penalty_kop": self.penalty_kop,
            "fees_kop": self.fees_kop,
            "debt_kop": self.debt_kop,
        }


def loan_debt(loan: Loan) -> Debt:
    """A loan read with `loan_facts` (its history facts annotated)."""
    facts: Any = loan
    return Debt(
        kind=LOAN,
        pk=loan.pk,
        borrower_id=loan.borrower_id,
        is_overdue=loan.status == LoanStatus.OVERDUE,
        days_past_due=loan.days_past_due,
        overdue_principal_kop=loan.principal_overdue_kop,
        overdue_interest_kop=loan.interest_overdue_kop,
        penalty_kop=loan.penalty_out_kop,
        fees_kop=loan.fees_out_kop,
        debt_kop=loan.debt_kop,
        principal_kop=loan.principal_kop or 0,
        principal_out_kop=loan.principal_out_kop,
        paid_debt_kop=loan.paid_debt_kop,
        prolongations=loan.prolongations,
        restructured=bool(loan.restructured),
        was_overdue_before=bool(facts.was_overdue_before),
        closed_loans=facts.closed_loans,
    )


def _sum(rows: QuerySet, field: str) -> Coalesce:
    total = (
        rows.filter(credit_line_id=OuterRef("pk"))
        .order_by()
        .values("credit_line_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(0), output_field=BigIntegerField())


def card_facts(lines: QuerySet[CreditLine]) -> QuerySet[CreditLine]:
    """The lines with the facts `card_debt` reads, in one query."""
    overdue_loan = TransitionLog.objects.filter(
        loan__borrower_id=OuterRef("borrower_id"), transition="miss_due_date"
    )
    return lines.annotate(
        was_overdue_before=Exists(overdue_loan),
        closed_loans=Count(
            "borrower__loans", filter=Q(borrower__loans__status=LoanStatus.CLOSED), distinct=True
        ),
        drawn_kop=_sum(CreditLineDraw.objects.all(), "amount_kop"),
        repaid_kop=_sum(CreditLineRepayment.objects.all(), "amount_kop"),
    )


def card_debt(line: CreditLine) -> Debt:
    """A line read with `card_facts`."""
    facts: Any = line
    overdue_interest, overdue_principal = overdue_parts(line)
    return Debt(
        kind=CARD,
        pk=line.pk,
        borrower_id=line.borrower_id,
        is_overdue=line.overdue_kop > 0 and line.status != CreditLineStatus.CLOSED,
        days_past_due=line.days_past_due,
        overdue_principal_kop=overdue_principal,
        overdue_interest_kop=overdue_interest,
        penalty_kop=line.penalty_out_kop,
        fees_kop=0,
        debt_kop=line.debt_kop,
        principal_kop=facts.drawn_kop,
        principal_out_kop=line.principal_out_kop,
        paid_debt_kop=facts.repaid_kop,
        prolongations=0,
        restructured=False,
        was_overdue_before=bool(facts.was_overdue_before),
        closed_loans=facts.closed_loans,
    )


def debt_of(*, loan: Loan | None = None, credit_line: CreditLine | None = None) -> Debt:
    """The debt as it is now, read again from its own tables."""
    if loan is not None:
        return loan_debt(loan_facts(Loan.objects.filter(pk=loan.pk)).get())
    if credit_line is not None:
        return card_debt(card_facts(CreditLine.objects.filter(pk=credit_line.pk)).get())
    raise ValueError("a debt is a loan or a credit line")


def case_debt(case: "CollectionCase") -> Debt:
    """The debt of a collection case, read now."""
    return debt_of(loan=case.loan, credit_line=case.credit_line)
