"""The card's penalty on arrears: 20 % a year of the overdue amount while interest goes on,
from the day after a minimum payment was missed, within each draw's cap on all charges, on the
statement, and paid in the legal order.

A line of 30 000 ₽ at 0.8 % a day opened on 2 November 2026 (statement day 2), one purchase of
10 000 ₽ that day: 80 ₽ of interest a day; the statement of 2 December asks for 2 400 ₽ of
interest + 500 ₽ of principal = 2 900 ₽ by 22 December. Unpaid, the arrears are 2 900 ₽ and
the penalty 290 000 × 20 / (100 × 365) = 158,90 → 158 kopecks a day.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from cards.accrual import credit_line_repayment_quote_kop
from cards.allocation import repayment_split
from cards.models import CreditLine, CreditLineDraw, CreditLineStatement
from loans.cob import run_cob_until
from loans.ledger import account_balance
from loans.models import Account
from tests.cards.test_credit_lines import assert_cached_equals_ledger, buy, fresh, open_line, pay
from tests.loans.helpers import open_day, rounded_down

DRAW = 1_000_000
MINIMUM = 30 * 8_000 + 50_000  # the statement of 2 December
PENALTY = rounded_down(MINIMUM * 20, 100 * 365)  # a day, on the arrears of 2 900 ₽
DUE = dt.date(2026, 12, 22)


@pytest.fixture
def overdue(business_date) -> CreditLine:
    """The line with its minimum of 2 December missed: COB has closed the due date."""
    line = open_line()
    buy(line, DRAW)
    open_day(DUE + dt.timedelta(days=1))
    return fresh(line)


def test_the_line_takes_the_annual_penalty_rate_of_its_day(business_date):
    line = open_line()

    assert (line.penalty_rate_num, line.penalty_rate_den) == (20_000, 100 * 1000 * 365)


def test_no_penalty_accrues_on_the_day_the_minimum_is_missed(overdue):
    assert PENALTY == 158
    assert (overdue.overdue_kop, overdue.penalty_out_kop) == (MINIMUM, 0)


def test_a_missed_minimum_accrues_the_daily_penalty_from_the_next_day(overdue):
    open_day(DUE + dt.timedelta(days=4))  # COB closed 23, 24 and 25 December

    line = fresh(overdue)
    assert line.penalty_out_kop == 3 * PENALTY == 474
    assert line.charges_total_kop == 53 * 8_000 + 474  # interest of 3 November – 25 December
    assert account_balance(account=Account.CARD_PENALTY) == 474
    assert account_balance(account=Account.PENALTY_INCOME) == -474
    assert CreditLineDraw.objects.get().charges_kop == line.charges_total_kop
    assert_cached_equals_ledger(line)


def test_the_penalty_stops_at_the_draws_cap_on_all_charges(overdue):
    # 81 ₽ of room left on the draw: tomorrow's 80 ₽ of interest comes first, then 1 ₽ of the
    # 1,58 ₽ penalty, and nothing the day after.
    draw = CreditLineDraw.objects.get()
    taken = draw.charges_cap_kop - 8_100 - draw.charges_kop
    CreditLineDraw.objects.filter(pk=draw.pk).update(charges_kop=F("charges_kop") + taken)
    CreditLine.objects.filter(pk=overdue.pk).update(
        charges_total_kop=F("charges_total_kop") + taken
    )

    open_day(DUE + dt.timedelta(days=3))

    line, draw = fresh(overdue), CreditLineDraw.objects.get()
    assert line.penalty_out_kop == 100
    assert draw.charges_kop == draw.charges_cap_kop == DRAW
    assert line.charges_total_kop == DRAW


def test_the_penalty_is_split_over_the_draws_oldest_first_within_their_caps(business_date):
    line = open_line()
    first, second = buy(line, DRAW), buy(line, DRAW)
    open_day(DUE + dt.timedelta(days=1))
    # the first draw keeps 1 kopeck of room after tomorrow's interest: the second takes the rest
    room = CreditLineDraw.objects.get(pk=first.pk)
    taken = room.charges_cap_kop - 8_001 - room.charges_kop
    CreditLineDraw.objects.filter(pk=first.pk).update(charges_kop=F("charges_kop") + taken)
    CreditLine.objects.filter(pk=line.pk).update(charges_total_kop=F("charges_total_kop") + taken)

    open_day(DUE + dt.timedelta(days=2))

    # arrears: 2 × 2 400 ₽ of interest + 5 % of 20 000 ₽ = 5 800 ₽ → 3,17 ₽ a day
    penalty = rounded_down(2 * MINIMUM * 20, 100 * 365)
    assert fresh(line).penalty_out_kop == penalty == 317
    first, second = (CreditLineDraw.objects.get(pk=d.pk) for d in (first, second))
    assert first.charges_kop == first.charges_cap_kop
    assert second.charges_kop == 51 * 8_000 + penalty - 1  # 3 November – 23 December


def test_the_statement_shows_the_penalty_of_the_period_and_the_penalty_owed(overdue):
    open_day(dt.date(2027, 1, 3))  # COB closed 2 January: statement day

    statement = CreditLineStatement.objects.order_by("period_end").last()
    # 23 December – 2 January: 11 days of penalty; 31 days of interest
    assert statement.penalty_kop == statement.closing_penalty_kop == 11 * PENALTY
    assert statement.interest_kop == 31 * 8_000
    assert statement.opening_balance_kop == DRAW + 30 * 8_000
    assert statement.closing_balance_kop == DRAW + 61 * 8_000 + 11 * PENALTY


def test_a_repayment_pays_overdue_interest_then_the_penalty_then_current_interest(overdue):
    open_day(DUE + dt.timedelta(days=2))  # one day of penalty; the payment accrues today's

    payment = pay(overdue, MINIMUM + 2 * PENALTY + 1_000)

    assert (payment.interest_kop, payment.penalty_kop, payment.principal_kop) == (
        MINIMUM + 1_000,
        2 * PENALTY,
        0,
    )
    line = fresh(overdue)
    assert (line.overdue_kop, line.penalty_out_kop) == (0, 0)
    assert line.interest_out_kop == 52 * 8_000 - MINIMUM - 1_000  # through 24 December
    assert_cached_equals_ledger(line)


def test_a_repayment_below_the_arrears_leaves_the_penalty_owed(overdue):
    open_day(DUE + dt.timedelta(days=2))

    payment = pay(overdue, 100_000)

    assert (payment.interest_kop, payment.penalty_kop) == (100_000, 0)
    line = fresh(overdue)
    assert (line.overdue_kop, line.penalty_out_kop) == (MINIMUM - 100_000, 2 * PENALTY)


def test_the_order_pays_overdue_principal_before_the_penalty():
    line = CreditLine(
        overdue_kop=500, interest_out_kop=200, principal_out_kop=10_000, penalty_out_kop=50
    )

    split = repayment_split(line=line, amount_kop=800)

    # 200 overdue interest, 300 overdue principal, 50 penalty, then 250 of current principal
    assert (split.interest_kop, split.principal_kop, split.penalty_kop) == (200, 550, 50)


def test_the_quote_includes_todays_penalty_as_cob_accrues_it(overdue):
    today = DUE + dt.timedelta(days=1)
    quote = credit_line_repayment_quote_kop(credit_line=overdue, on=today)

    run_cob_until(until=today)

    assert quote == fresh(overdue).debt_kop == DRAW + 51 * 8_000 + PENALTY


def test_ledger_check_proves_the_book_with_penalties(overdue):
    open_day(DUE + dt.timedelta(days=5))
    pay(overdue, MINIMUM + 3 * PENALTY)
    call_command("ledger_check")

    CreditLine.objects.filter(pk=overdue.pk).update(penalty_out_kop=F("penalty_out_kop") + 1)

    with pytest.raises(CommandError, match=rf"credit lines whose .*: {overdue.pk}$"):
        call_command("ledger_check")
