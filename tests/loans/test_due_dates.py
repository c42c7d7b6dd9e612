"""A due date on a non-working day moves to the next working day (Civil Code art. 193): the
schedule shows the moved date, nobody is overdue or charged a penalty for the days between."""

import datetime as dt

import pytest

from loans.models import JournalLine, LoanStatus
from loans.psk import psk_for_schedule
from loans.schedules import Installment
from loans.workdays import is_working_day
from tests.factories import CalendarOverrideFactory, IlProductFactory
from tests.loans.helpers import fresh, issued, open_day, repay

D = dt.date
MONDAY = D(2026, 11, 2)  # the tests' issue date


def items_of(loan) -> list:
    return list(fresh(loan).schedule_items.order_by("version", "seq"))


def test_a_term_ending_on_a_saturday_is_due_on_monday(business_date):
    loan = issued(on=MONDAY, term_days=12)  # 11-14 is a Saturday

    (item,) = items_of(loan)
    assert item.due_date == D(2026, 11, 16)
    assert fresh(loan).maturity_date == D(2026, 11, 16)


def test_the_moved_due_date_carries_the_interest_of_the_days_it_adds(business_date):
    loan = issued(on=MONDAY, term_days=12)

    (item,) = items_of(loan)
    assert item.interest_kop == 14 * 8_000  # 14 days of 0.8 % on 10 000 ₽


def test_a_term_ending_on_new_years_day_is_due_after_the_holidays(business_date):
    loan = issued(on=D(2026, 12, 2), term_days=30)  # 2027-01-01

    assert fresh(loan).next_due_date == D(2027, 1, 11)


def test_every_installment_of_an_installment_loan_falls_on_a_working_day(business_date):
    # Fortnightly from Sunday 2026-12-06: every contractual date is a Sunday.
    loan = issued(on=D(2026, 12, 6), product=IlProductFactory(), term_days=84, amount_kop=2_000_000)

    dates = [item.due_date for item in items_of(loan)]
    assert all(is_working_day(day) for day in dates)
    assert dates[0] == D(2026, 12, 21)
    assert dates[1] == D(2027, 1, 11)  # Sunday 01-03 falls in the New Year holidays


def test_psk_is_computed_on_the_moved_dates(business_date):
    loan = issued(on=D(2026, 12, 6), product=IlProductFactory(), term_days=84, amount_kop=2_000_000)
    loan = fresh(loan)

    schedule = [
        Installment(
            seq=i.seq,
            due_date=i.due_date,
            principal_kop=i.principal_kop,
            interest_kop=i.interest_kop,
        )
        for i in items_of(loan)
    ]
    psk = psk_for_schedule(
        issue_date=loan.issue_date, principal_kop=loan.principal_kop, items=schedule
    )
    assert (psk.percent, psk.amount_kop) == (loan.psk_percent, loan.psk_kop)


def test_nobody_is_overdue_over_the_weekend_of_a_moved_due_date(business_date):
    loan = issued(on=MONDAY, term_days=12)

    open_day(D(2026, 11, 16))  # Saturday and Sunday closed

    assert fresh(loan).status == LoanStatus.SERVICED


def test_paying_the_schedule_on_the_moved_date_closes_the_loan_without_a_penalty(business_date):
    loan = issued(on=MONDAY, term_days=12)
    open_day(D(2026, 11, 16))
    (item,) = items_of(loan)

    repay(loan, item.total_kop)

    loan = fresh(loan)
    assert loan.status == LoanStatus.CLOSED and loan.overpayment_kop == 0
    assert not JournalLine.objects.filter(loan=loan, account="loan_penalty").exists()


def test_unpaid_on_the_moved_date_it_is_overdue_from_that_day(business_date):
    loan = issued(on=MONDAY, term_days=12)

    open_day(D(2026, 11, 17))

    loan = fresh(loan)
    assert loan.status == LoanStatus.OVERDUE
    assert loan.overdue_since == D(2026, 11, 16)


def test_a_decree_after_signing_moves_the_day_cob_marks_it_overdue(business_date):
    loan = issued(on=MONDAY, term_days=30)  # due Wednesday 2026-12-02
    CalendarOverrideFactory(day=D(2026, 12, 2), is_working=False, decree="a decree after signing")

    open_day(D(2026, 12, 3))
    assert fresh(loan).status == LoanStatus.SERVICED
    assert not JournalLine.objects.filter(loan=loan, account="loan_penalty").exists()

    open_day(D(2026, 12, 4))
    loan = fresh(loan)
    assert loan.status == LoanStatus.OVERDUE
    assert (loan.overdue_since, loan.days_past_due) == (D(2026, 12, 3), 1)


def test_a_prolongation_ending_on_a_holiday_moves_to_the_next_working_day(business_date):
    from loans import services

    loan = issued(on=MONDAY, term_days=30)  # due 2026-12-02

    quote = services.prolongation_quote(loan=fresh(loan), days=30)  # 2027-01-01

    assert quote["new_due_date"] == D(2027, 1, 11)


pytestmark = pytest.mark.django_db
