"""Reads of the card that views and the API share."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from cards.models import CreditLine, CreditLineDraw, CreditLineStatement, StatementStatus
from loans.models import Borrower


def borrower_credit_lines(*, borrower: Borrower | None) -> QuerySet[CreditLine]:
    if borrower is None:
        return CreditLine.objects.none()
    return CreditLine.objects.filter(borrower=borrower).order_by("-pk")


def credit_line_statements(*, credit_line: CreditLine) -> QuerySet[CreditLineStatement]:
    return credit_line.statements.order_by("-period_end")


def credit_line_draws(*, credit_line: CreditLine) -> QuerySet[CreditLineDraw]:
    return credit_line.draws.order_by("-business_date", "-pk")


@dataclass(frozen=True)
class MinimumPayment:
    """What the borrower must pay and by when: the unpaid minimum of the statement due (its
    due date), or the arrears of a missed one (due now: no date)."""

    amount_kop: int
    due_date: date | None


def credit_line_minimum_payment(*, credit_line: CreditLine) -> MinimumPayment:
    due = credit_line.statements.filter(status=StatementStatus.DUE).order_by("due_date").first()
    if due is not None:
        return MinimumPayment(max(0, due.minimum_payment_kop - due.paid_kop), due.due_date)
    return MinimumPayment(credit_line.overdue_kop, None)
