"""The card's days past due: counted from the first minimum payment missed in the arrears now
running, as a loan's are (the day after the due date is day 1), until the arrears are paid in
full. The line of `test_card_penalties`: 2 900 ₽ due on 22 December 2026, unpaid."""

import datetime as dt

from tests.cards.test_card_penalties import DUE, MINIMUM, overdue  # noqa: F401 (fixture)
from tests.cards.test_credit_lines import fresh, open_line, pay
from tests.loans.helpers import open_day


def test_a_line_never_in_arrears_has_no_days_past_due(business_date):
    line = open_line()

    assert (line.overdue_since, line.days_past_due) == (None, 0)


def test_the_missed_due_date_starts_the_arrears_at_day_one(overdue):  # noqa: F811
    assert (overdue.overdue_since, overdue.days_past_due) == (DUE, 1)


def test_days_past_due_grow_with_each_closed_day(overdue):  # noqa: F811
    open_day(DUE + dt.timedelta(days=11))  # COB closed 23 December – 1 January

    assert fresh(overdue).days_past_due == 11


def test_a_payment_short_of_the_arrears_keeps_the_count_running(overdue):  # noqa: F811
    pay(overdue, MINIMUM - 100)
    open_day(DUE + dt.timedelta(days=3))

    line = fresh(overdue)
    assert (line.overdue_kop, line.overdue_since, line.days_past_due) == (100, DUE, 3)


def test_paying_the_arrears_in_full_ends_the_count(overdue):  # noqa: F811
    pay(overdue, MINIMUM)

    line = fresh(overdue)
    assert (line.overdue_kop, line.overdue_since, line.days_past_due) == (0, None, 0)
