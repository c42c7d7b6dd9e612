"""Repayment allocation in the order of 353-FZ art. 5 part 20 (REGULATION.md).

1. overdue interest; 2. overdue principal; 3. penalty; 4. current-period interest;
5. current-period principal; 6. fees; anything left is an overpayment held for the borrower.
"""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from loans import servicing
from loans.models import Loan, LoanStatus
from tests.factories import IlProductFactory
from tests.loans.helpers import DAY, fresh, issued, open_day, penalty_20pa, repay

ORDER = [
    "overdue_interest_kop",
    "overdue_principal_kop",
    "penalty_kop",
    "interest_kop",
    "principal_kop",
    "fees_kop",
]


def il_loan_between_due_dates(**overrides) -> Loan:
    """An unsaved IL loan after its first due date passed unpaid, a few days into period 2.

    Overdue: 100 interest and 200 principal. Current: 50 interest accrued since the due
    date and 1000 principal not yet due. Penalty 30, fees 40. Debt 1420.
    """
    fields = {
        "status": LoanStatus.OVERDUE,
        "principal_out_kop": 1200,
        "interest_out_kop": 150,
        "penalty_out_kop": 30,
        "fees_out_kop": 40,
        "interest_overdue_kop": 100,
        "principal_overdue_kop": 200,
        "due_passed_kop": 300,
        "paid_debt_kop": 0,
        "next_due_date": dt.date(2026, 11, 30),
    }
    fields.update(overrides)
    return Loan(**fields)


def parts(allocation: servicing.Allocation) -> dict[str, int]:
    return allocation.as_dict()


# --- servicing.allocate on a loan's state ---------------------------------------------------


def test_a_payment_short_of_the_overdue_interest_goes_to_overdue_interest_only():
    allocation = servicing.allocate(il_loan_between_due_dates(), 60)

    assert parts(allocation) == {
        "overdue_interest_kop": 60,
        "overdue_principal_kop": 0,
        "penalty_kop": 0,
        "interest_kop": 0,
        "principal_kop": 0,
        "fees_kop": 0,
        "overpayment_kop": 0,
    }


def test_overdue_principal_is_paid_after_overdue_interest_and_before_the_penalty():
    allocation = servicing.allocate(il_loan_between_due_dates(), 250)

    assert allocation.overdue_interest_kop == 100
    assert allocation.overdue_principal_kop == 150
    assert allocation.penalty_kop == 0


def test_the_penalty_is_paid_before_current_interest():
    allocation = servicing.allocate(il_loan_between_due_dates(), 320)

    assert allocation.overdue_interest_kop == 100
    assert allocation.overdue_principal_kop == 200
    assert allocation.penalty_kop == 20
    assert allocation.interest_kop == 0


def test_interest_accrued_since_the_due_date_is_current_interest_paid_after_the_penalty():
    allocation = servicing.allocate(il_loan_between_due_dates(), 350)

    assert (allocation.overdue_interest_kop, allocation.overdue_principal_kop) == (100, 200)
    assert (allocation.penalty_kop, allocation.interest_kop) == (30, 20)
    assert allocation.principal_kop == 0


def test_current_principal_is_paid_after_current_interest_and_before_fees():
    allocation = servicing.allocate(il_loan_between_due_dates(), 1000)

    assert allocation.interest_kop == 50
    assert allocation.principal_kop == 620
    assert allocation.fees_kop == 0


def test_fees_come_last_and_the_rest_is_held_as_overpayment():
    allocation = servicing.allocate(il_loan_between_due_dates(), 1500)

    assert parts(allocation) == {
        "overdue_interest_kop": 100,
        "overdue_principal_kop": 200,
        "penalty_kop": 30,
        "interest_kop": 50,
        "principal_kop": 1000,
        "fees_kop": 40,
        "overpayment_kop": 80,
    }


def test_before_any_due_date_nothing_is_overdue():
    loan = Loan(
        status=LoanStatus.SERVICED,
        principal_out_kop=1_000_000,
        interest_out_kop=80_000,
        next_due_date=dt.date(2026, 12, 2),
    )

    allocation = servicing.allocate(loan, 100_000)

    assert (allocation.overdue_interest_kop, allocation.overdue_principal_kop) == (0, 0)
    assert (allocation.interest_kop, allocation.principal_kop) == (80_000, 20_000)


def test_after_the_last_due_date_all_interest_and_principal_are_overdue():
    loan = il_loan_between_due_dates(next_due_date=None, due_passed_kop=5_000)

    allocation = servicing.allocate(loan, 1360)

    assert allocation.overdue_interest_kop == 150
    assert allocation.overdue_principal_kop == 1200
    assert allocation.penalty_kop == 10
    assert allocation.interest_kop == allocation.principal_kop == 0


@st.composite
def loan_states(draw):
    principal = draw(st.integers(0, 2_000_000))
    interest = draw(st.integers(0, 500_000))
    final = draw(st.booleans())
    return il_loan_between_due_dates(
        principal_out_kop=principal,
        interest_out_kop=interest,
        penalty_out_kop=draw(st.integers(0, 100_000)),
        fees_out_kop=draw(st.integers(0, 10_000)),
        interest_overdue_kop=draw(st.integers(0, interest)),
        principal_overdue_kop=draw(st.integers(0, principal)),
        next_due_date=None if final else dt.date(2026, 11, 30),
        due_passed_kop=draw(st.integers(1, 3_000_000)),
    )


@given(loan=loan_states(), amount=st.integers(1, 4_000_000))
def test_every_bucket_is_full_before_the_next_one_gets_anything(loan, amount):
    allocation = parts(servicing.allocate(loan, amount))
    split = servicing.overdue_split(loan)
    owed = {
        "overdue_interest_kop": split.interest_kop,
        "overdue_principal_kop": split.principal_kop,
        "penalty_kop": loan.penalty_out_kop,
        "interest_kop": loan.interest_out_kop - split.interest_kop,
        "principal_kop": loan.principal_out_kop - split.principal_kop,
        "fees_kop": loan.fees_out_kop,
    }

    assert sum(allocation.values()) == amount
    assert all(0 <= allocation[name] <= owed[name] for name in ORDER)
    for earlier, later in zip(ORDER, [*ORDER[1:], "overpayment_kop"], strict=True):
        if allocation[later]:
            assert all(allocation[n] == owed[n] for n in ORDER[: ORDER.index(earlier) + 1])
    assert allocation["overpayment_kop"] == max(0, amount - sum(owed.values()))


# --- through loan_repay on real loans --------------------------------------------------------


def overdue_pdl(business_date) -> Loan:
    """10 000 ₽ for 30 days at 0.8 %/day, issued 2026-11-02, due 2026-12-02, unpaid.

    On 2026-12-06 (after today's accrual): interest 34 days × 80 ₽ = 2 720 ₽; penalty from
    2026-12-03, 4 days × 5,47 ₽ (20 % p.a. of 10 000 ₽ = 5,479… ₽ a day, rounded down).
    """
    loan = issued(on=business_date)
    open_day(dt.date(2026, 12, 6))
    assert fresh(loan).status == LoanStatus.OVERDUE
    return loan


def test_overdue_payday_loan_pays_interest_then_principal_before_the_penalty(business_date):
    loan = overdue_pdl(business_date)

    payment = repay(loan, 1_100_000)

    assert payment.allocation["overdue_interest_kop"] == 272_000
    assert payment.allocation["overdue_principal_kop"] == 828_000
    assert payment.allocation["penalty_kop"] == 0
    loan = fresh(loan)
    assert (loan.interest_out_kop, loan.principal_out_kop) == (0, 172_000)
    assert loan.penalty_out_kop == 4 * 547
    assert loan.status == LoanStatus.OVERDUE


def test_overdue_payday_loan_overpayment_is_held_after_the_penalty(business_date):
    loan = overdue_pdl(business_date)

    payment = repay(loan, 1_300_000)

    assert payment.allocation == {
        "overdue_interest_kop": 272_000,
        "overdue_principal_kop": 1_000_000,
        "penalty_kop": 2_188,
        "interest_kop": 0,
        "principal_kop": 0,
        "fees_kop": 0,
        "overpayment_kop": 25_812,
    }
    loan = fresh(loan)
    assert loan.status == LoanStatus.CLOSED
    assert loan.overpayment_kop == 25_812


def test_serviced_loan_pays_interest_of_the_days_used_before_principal(business_date):
    loan = issued(on=business_date)
    open_day(business_date + 10 * DAY)

    payment = repay(loan, 300_000)

    assert payment.allocation["interest_kop"] == 80_000
    assert payment.allocation["principal_kop"] == 220_000
    assert payment.allocation["overdue_interest_kop"] == 0
    assert fresh(loan).principal_out_kop == 780_000


def il_with_missed_first_installment(business_date):
    """10 000 ₽ IL at 0.35 %/day in 4 fortnightly installments, the first one missed.

    Daily interest 35 ₽; the first installment (due 2026-11-16) carries 14 days of it.
    Opened on 2026-11-19: 3 days of interest (17–19 Nov) and of penalty since.
    """
    loan = issued(on=business_date, product=IlProductFactory(), term_days=56)
    first = loan.schedule_items.get(version=1, seq=1)
    assert first.due_date == dt.date(2026, 11, 16)
    assert first.interest_kop == 14 * 3_500
    open_day(dt.date(2026, 11, 19))
    assert fresh(loan).status == LoanStatus.OVERDUE
    return loan, first


def test_il_payment_short_of_the_missed_interest_goes_to_overdue_interest(business_date):
    loan, _ = il_with_missed_first_installment(business_date)

    payment = repay(loan, 30_000)

    assert payment.allocation["overdue_interest_kop"] == 30_000
    assert sum(payment.allocation.values()) == 30_000
    assert fresh(loan).status == LoanStatus.OVERDUE


def test_il_missed_installment_then_penalty_then_interest_since_the_due_date(business_date):
    loan, first = il_with_missed_first_installment(business_date)
    penalty = 3 * penalty_20pa(first.principal_kop)
    current_interest = 3 * 3_500

    payment = repay(loan, first.total_kop + penalty + current_interest + 1_000)

    assert payment.allocation == {
        "overdue_interest_kop": first.interest_kop,
        "overdue_principal_kop": first.principal_kop,
        "penalty_kop": penalty,
        "interest_kop": current_interest,
        "principal_kop": 1_000,
        "fees_kop": 0,
        "overpayment_kop": 0,
    }
    loan = fresh(loan)
    assert loan.status == LoanStatus.SERVICED
    assert loan.principal_out_kop == 1_000_000 - first.principal_kop - 1_000
    assert loan.interest_out_kop == loan.penalty_out_kop == 0


def test_il_arrears_accrue_penalty_on_the_missed_principal_only(business_date):
    loan, first = il_with_missed_first_installment(business_date)

    loan = fresh(loan)

    assert loan.principal_overdue_kop == first.principal_kop
    assert loan.interest_overdue_kop == first.interest_kop
    assert loan.interest_out_kop == first.interest_kop + 2 * 3_500
    assert loan.penalty_out_kop == 2 * penalty_20pa(first.principal_kop)
