from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.errors import InvalidAmount
from loans.money import PPM, daily_interest_kop
from loans.psk import Psk, base_period_days, full_cost_of_credit, psk_for_schedule
from loans.schedules import annuity_schedule, pdl_schedule

ISSUE = date(2026, 3, 2)


def day(n: int) -> date:
    return ISSUE + timedelta(days=n)


def psk_by_bisection(principal_kop: int, flows: list[tuple[int, int]], period: int) -> Fraction:
    """Independent reference: exact rational bisection of the art. 6 equation, ПСК in per cent."""

    def npv(i: Fraction) -> Fraction:
        total = Fraction(-principal_kop)
        for days, amount in flows:
            q, r = divmod(days, period)
            total += amount / ((1 + Fraction(r, period) * i) * (1 + i) ** q)
        return total

    low, high = Fraction(0), Fraction(1)
    while npv(high) > 0:
        high *= 2
    for _ in range(80):
        mid = (low + high) / 2
        if npv(mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2 * 365 * 100 / period


def to_three_places(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_UP
    )


@pytest.mark.parametrize("term_days", [7, 15, 21, 30])
def test_single_repayment_at_max_rate_gives_292_percent(term_days):
    items = pdl_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, term_days=term_days, issue_date=ISSUE
    )

    psk = psk_for_schedule(issue_date=ISSUE, principal_kop=1_000_000, items=items)

    assert psk.percent == Decimal("292.000")
    assert str(psk.percent) == "292.000"


def test_psk_amount_is_total_paid_minus_amount_issued():
    items = pdl_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, term_days=30, issue_date=ISSUE
    )

    psk = psk_for_schedule(issue_date=ISSUE, principal_kop=1_000_000, items=items)

    assert psk == Psk(percent=Decimal("292.000"), amount_kop=240_000)


def test_two_equal_payments_hand_worked():
    # 21 000 ₽ repaid by 12 100 ₽ after 14 and 28 days: 12 100/1.1 + 12 100/1.21 = 21 000,
    # so i = 0.1 per 14-day period and ПСК = 0.1 × 365/14 × 100 = 260.714285…
    psk = full_cost_of_credit(
        issue_date=ISSUE,
        principal_kop=2_100_000,
        payments=[(day(14), 1_210_000), (day(28), 1_210_000)],
    )

    assert psk == Psk(percent=Decimal("260.714"), amount_kop=320_000)


def test_uneven_schedule_matches_independent_bisection():
    payments = [(14, 400_000), (28, 400_000), (45, 450_000)]  # base period 14, last e = 3/14

    psk = full_cost_of_credit(
        issue_date=ISSUE,
        principal_kop=1_000_000,
        payments=[(day(days), amount) for days, amount in payments],
    )

    assert psk.percent == to_three_places(psk_by_bisection(1_000_000, payments, 14))
    assert psk.amount_kop == 250_000


def test_zero_interest_gives_zero_psk():
    psk = full_cost_of_credit(
        issue_date=ISSUE,
        principal_kop=1_000_000,
        payments=[(day(14), 500_000), (day(28), 500_000)],
    )

    assert psk == Psk(percent=Decimal("0.000"), amount_kop=0)
    assert str(psk.percent) == "0.000"


def test_exact_midpoint_rounds_half_up():
    # 1 ppm a day → 0.0365 % exactly, which the law's rounding takes up to 0.037
    psk = full_cost_of_credit(
        issue_date=ISSUE, principal_kop=100_000_000, payments=[(day(1), 100_000_100)]
    )

    assert psk.percent == Decimal("0.037")


def test_payments_on_one_date_are_combined():
    split = full_cost_of_credit(
        issue_date=ISSUE,
        principal_kop=1_000_000,
        payments=[(day(30), 1_000_000), (day(30), 240_000)],
    )

    assert split.percent == Decimal("292.000")


def test_base_period_is_the_most_frequent_interval():
    assert base_period_days(issue_date=ISSUE, flow_dates=[day(14), day(28), day(45), day(59)]) == 14


def test_base_period_tie_takes_the_shortest_interval():
    assert base_period_days(issue_date=ISSUE, flow_dates=[day(10), day(20), day(35), day(50)]) == 10


def test_base_period_of_single_repayment_is_the_term():
    assert base_period_days(issue_date=ISSUE, flow_dates=[day(21)]) == 21


def test_payments_below_the_amount_issued_are_refused():
    with pytest.raises(InvalidAmount, match="do not repay"):
        full_cost_of_credit(
            issue_date=ISSUE, principal_kop=1_000_000, payments=[(day(30), 999_999)]
        )


def test_payment_before_issue_is_refused():
    with pytest.raises(InvalidAmount, match="precede"):
        full_cost_of_credit(
            issue_date=ISSUE,
            principal_kop=1_000_000,
            payments=[(day(-1), 10), (day(30), 1_240_000)],
        )


def test_no_payments_is_refused():
    with pytest.raises(InvalidAmount, match="at least one payment"):
        full_cost_of_credit(issue_date=ISSUE, principal_kop=1_000_000, payments=[])


def test_non_positive_principal_is_refused():
    with pytest.raises(InvalidAmount, match="amount issued"):
        full_cost_of_credit(issue_date=ISSUE, principal_kop=0, payments=[(day(30), 100)])


@settings(max_examples=100, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=8_000),
    term=st.integers(min_value=1, max_value=365),
    tens_of_thousands=st.integers(min_value=1, max_value=50),
)
def test_single_repayment_psk_is_daily_rate_times_36500(rate, term, tens_of_thousands):
    # whole multiples of 10 000 ₽ keep each day's interest an exact number of kopecks
    principal = tens_of_thousands * PPM
    repayment = principal + term * daily_interest_kop(principal, rate)

    psk = full_cost_of_credit(
        issue_date=ISSUE, principal_kop=principal, payments=[(day(term), repayment)]
    )

    expected = (Decimal(rate) * 365 * 100 / PPM).quantize(Decimal("0.001"), ROUND_HALF_UP)
    assert psk.percent == expected
    assert psk.amount_kop == repayment - principal


@settings(max_examples=25, deadline=None)
@given(
    principal=st.integers(min_value=100_000, max_value=10_000_000),
    rate=st.integers(min_value=100, max_value=8_000),
    period_days=st.sampled_from([7, 14, 15, 30]),
    periods=st.integers(min_value=2, max_value=12),
)
def test_annuity_psk_agrees_with_independent_bisection(principal, rate, period_days, periods):
    items = annuity_schedule(
        principal_kop=principal,
        daily_rate_ppm=rate,
        period_days=period_days,
        periods=periods,
        issue_date=ISSUE,
    )
    flows = [((item.due_date - ISSUE).days, item.total_kop) for item in items]

    psk = psk_for_schedule(issue_date=ISSUE, principal_kop=principal, items=items)

    reference = psk_by_bisection(principal, flows, period_days)
    assert abs(Fraction(psk.percent) - reference) <= Fraction(1, 2000)
