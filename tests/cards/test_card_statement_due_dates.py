"""A card statement's minimum payment due on a non-working day is due on the next working day
(Civil Code art. 193, REGULATION.md), by the one production calendar loans use: nobody is in
arrears or charged a penalty for the days between.

A line opened on 2 November 2026 with statement day 12 and 10 000 ₽ drawn that day: its
statement of 12 December is due 20 days later, on 1 January 2027, in the New Year holidays
(1–10 January 2027 are days off by the 2027 decree), so it is due on Monday 11 January.
"""

import datetime as dt

import pytest

from cards.models import CreditLineStatement, StatementStatus
from cards.selectors import credit_line_minimum_payment
from tests.cards.test_credit_lines import buy, fresh, open_line, pay
from tests.factories import CalendarOverrideFactory
from tests.loans.helpers import open_day

D = dt.date


@pytest.fixture
def line(business_date):
    line = open_line(statement_day=12)
    buy(line, 1_000_000)
    return line


def statement(line, period_end: dt.date) -> CreditLineStatement:
    return CreditLineStatement.objects.get(credit_line=line, period_end=period_end)


def test_a_minimum_due_on_new_years_day_is_due_on_the_first_working_day_after(line):
    open_day(D(2026, 12, 13))

    assert statement(line, D(2026, 12, 12)).due_date == D(2027, 1, 11)


def test_a_minimum_due_on_a_working_day_keeps_its_date(line):
    open_day(D(2026, 11, 13))

    assert statement(line, D(2026, 11, 12)).due_date == D(2026, 12, 2)  # a Wednesday


def test_the_holidays_before_the_moved_due_date_bring_no_arrears_and_no_penalty(line):
    open_day(D(2026, 11, 13))
    pay(line, credit_line_minimum_payment(credit_line=fresh(line)).amount_kop)

    open_day(D(2027, 1, 11))  # COB closed 1–10 January unpaid

    assert statement(line, D(2026, 12, 12)).status == StatementStatus.DUE
    assert (fresh(line).overdue_kop, fresh(line).penalty_out_kop) == (0, 0)


def test_an_administrators_override_of_the_calendar_moves_the_due_date_too(line):
    CalendarOverrideFactory(day=D(2026, 12, 2), is_working=False)

    open_day(D(2026, 11, 13))

    assert statement(line, D(2026, 11, 12)).due_date == D(2026, 12, 3)
