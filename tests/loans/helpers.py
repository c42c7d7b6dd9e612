"""Helpers for the loan-core tests: issue live loans, move time, read the book.

Expected figures in the tests are computed by hand (or with `rounded_down` below, an
implementation of the charges' rounding rule independent of `loans.money`), never read back
from the code under test.
"""

import datetime as dt
import itertools
from contextlib import contextmanager
from decimal import ROUND_DOWN, Decimal
from unittest import mock

from django.core.management import execute_from_command_line
from django.db import connections, transaction
from django.db.models import Sum
from django.test import TestCase

from loans import services
from loans.business_date import current_business_date
from loans.cob import run_cob_until
from loans.models import Account, IncomingPayment, JournalLine, Loan, LoanStatus
from tests.factories import live_loan

DAY = dt.timedelta(days=1)
_events = itertools.count(1)

# 20 % per annum as the contract stores it: numerator / denominator per day.
PENALTY_20PA = (20_000, 36_500_000)


def rounded_down(numerator: int, denominator: int) -> int:
    """A charge: numerator / denominator rounded down to the kopeck (Decimal, not loans.money).

    Charges round down so that one at the legal maximum rate never exceeds it.
    """
    value = Decimal(numerator) / Decimal(denominator)
    return int(value.quantize(Decimal(1), rounding=ROUND_DOWN))


def penalty_20pa(overdue_principal_kop: int) -> int:
    """One day's penalty at 20 % p.a. on an overdue principal."""
    return rounded_down(overdue_principal_kop * 20, 100 * 365)


def issued(*, on: dt.date | None = None, **kwargs) -> Loan:
    """A loan signed, paid out through the sandbox gateway and serviced."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        loan = live_loan(on=on, **kwargs)
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == LoanStatus.SERVICED
    return loan


def open_day(day: dt.date) -> None:
    """Close every business day before `day` so that `day` is the open business date."""
    run_cob_until(until=day - DAY)
    assert current_business_date() == day


def manage(*argv: str) -> int:
    """Run `manage.py <argv>` in this process and return its exit status.

    manage.py closes every database connection when a command ends; the test's connection
    (inside the test's transaction) is kept open.
    """
    with mock.patch.object(connections, "close_all"):
        try:
            execute_from_command_line(["manage.py", *argv])
        except SystemExit as exc:
            return exc.code or 0
    return 0


def event_id() -> str:
    return f"evt-{next(_events)}"


def repay(loan: Loan, amount_kop: int, *, event: str | None = None) -> IncomingPayment:
    return services.loan_repay(
        loan=loan, amount_kop=amount_kop, provider="sbx", event_id=event or event_id()
    )


def fresh(loan: Loan) -> Loan:
    return Loan.objects.get(pk=loan.pk)


def loan_row(loan: Loan) -> dict:
    """Every stored field of the loan, to compare before and after a refused action."""
    stored = Loan.objects.get(pk=loan.pk)
    return {
        f.attname: getattr(stored, f.attname)
        for f in Loan._meta.concrete_fields
        if f.attname != "updated_at"
    }


def book() -> list[tuple]:
    """Every journal line in the book, to compare before and after a refused action."""
    return list(
        JournalLine.objects.order_by("id").values_list(
            "id", "entry__key", "loan_id", "account", "amount_kop"
        )
    )


def balance(account: Account, *, loan: Loan | None = None) -> int:
    lines = JournalLine.objects.filter(account=account)
    if loan is not None:
        lines = lines.filter(loan=loan)
    return lines.aggregate(s=Sum("amount_kop"))["s"] or 0


class _Undo(Exception):
    pass


@contextmanager
def rolled_back():
    """A savepoint that undoes whatever the block wrote (one property-test example's rows)."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass
