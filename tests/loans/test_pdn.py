from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loans.errors import DomainError, InvalidAmount
from loans.pdn import (
    PDN_WARNING_PERCENT,
    average_monthly_payment_kop,
    debt_load_percent,
    income_for_pdn_kop,
    needs_debt_load_warning,
)
from loans.schedules import Installment, annuity_schedule, pdl_schedule

ISSUE = date(2026, 2, 1)
BEFORE_RULE = date(2025, 12, 31)
RULE_STARTS = date(2026, 1, 1)


def test_short_loan_average_monthly_payment_is_the_whole_sum():
    items = pdl_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, term_days=30, issue_date=ISSUE
    )

    assert average_monthly_payment_kop(items=items, issue_date=ISSUE) == 1_240_000


def test_week_loan_average_monthly_payment_is_the_whole_sum():
    items = pdl_schedule(
        principal_kop=1_000_000, daily_rate_ppm=8_000, term_days=7, issue_date=ISSUE
    )

    assert average_monthly_payment_kop(items=items, issue_date=ISSUE) == 1_056_000


def test_long_loan_average_monthly_payment_is_scaled_to_30_days():
    items = [
        Installment(
            seq=1, due_date=ISSUE + timedelta(days=30), principal_kop=500_000, interest_kop=0
        ),
        Installment(
            seq=2, due_date=ISSUE + timedelta(days=60), principal_kop=500_000, interest_kop=0
        ),
    ]

    assert average_monthly_payment_kop(items=items, issue_date=ISSUE) == 500_000


def test_long_loan_average_rounds_half_even():
    # 100 kop × 30 / 40 = 75; 1 kop × 30 / 60 = 0.5 → 0; 3 kop × 30 / 60 = 1.5 → 2
    def one(total: int, days: int) -> list[Installment]:
        return [
            Installment(
                seq=1, due_date=ISSUE + timedelta(days=days), principal_kop=total, interest_kop=0
            )
        ]

    assert average_monthly_payment_kop(items=one(100, 40), issue_date=ISSUE) == 75
    assert average_monthly_payment_kop(items=one(1, 60), issue_date=ISSUE) == 0
    assert average_monthly_payment_kop(items=one(3, 60), issue_date=ISSUE) == 2


def test_annuity_average_monthly_payment():
    items = annuity_schedule(
        principal_kop=3_000_000, daily_rate_ppm=5_000, period_days=14, periods=6, issue_date=ISSUE
    )
    # 5 × 6 293.87 + 6 293.51 = 37 762.86 ₽ over 84 days (interest rounded down each day);
    # × 30 / 84 = 13 486.7357… ₽
    assert sum(item.total_kop for item in items) == 3_776_286
    assert average_monthly_payment_kop(items=items, issue_date=ISSUE) == 1_348_674


def test_empty_schedule_is_refused():
    with pytest.raises(InvalidAmount):
        average_monthly_payment_kop(items=[], issue_date=ISSUE)


def test_confirmed_income_is_used_when_known_for_small_loans():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=6_000_000,
        regional_average_kop=5_000_000,
        loan_principal_kop=1_000_000,
        on_date=RULE_STARTS,
    )

    assert income == 6_000_000


def test_small_loan_from_2026_takes_lower_of_declared_and_regional():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=None,
        regional_average_kop=5_000_000,
        loan_principal_kop=4_999_999,
        on_date=RULE_STARTS,
    )

    assert income == 5_000_000


def test_small_loan_from_2026_keeps_declared_when_lower_than_regional():
    income = income_for_pdn_kop(
        declared_kop=3_000_000,
        confirmed_kop=None,
        regional_average_kop=5_000_000,
        loan_principal_kop=1_000_000,
        on_date=RULE_STARTS,
    )

    assert income == 3_000_000


def test_small_loan_without_regional_average_uses_declared():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=None,
        regional_average_kop=None,
        loan_principal_kop=1_000_000,
        on_date=RULE_STARTS,
    )

    assert income == 8_000_000


def test_loan_of_50000_rub_uses_declared_income():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=None,
        regional_average_kop=5_000_000,
        loan_principal_kop=5_000_000,
        on_date=RULE_STARTS,
    )

    assert income == 8_000_000


def test_small_loan_before_2026_uses_declared_income():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=None,
        regional_average_kop=5_000_000,
        loan_principal_kop=1_000_000,
        on_date=BEFORE_RULE,
    )

    assert income == 8_000_000


def test_large_loan_uses_confirmed_income_when_known():
    income = income_for_pdn_kop(
        declared_kop=8_000_000,
        confirmed_kop=7_000_000,
        regional_average_kop=5_000_000,
        loan_principal_kop=10_000_000,
        on_date=RULE_STARTS,
    )

    assert income == 7_000_000


def test_negative_income_is_refused():
    with pytest.raises(InvalidAmount):
        income_for_pdn_kop(
            declared_kop=-1,
            confirmed_kop=None,
            regional_average_kop=None,
            loan_principal_kop=1_000_000,
            on_date=RULE_STARTS,
        )


def test_debt_load_is_payments_over_income_in_percent():
    percent = debt_load_percent(
        monthly_payments_kop=[1_240_000, 300_000], monthly_income_kop=5_000_000
    )

    assert percent == Decimal("30.80")
    assert str(percent) == "30.80"


def test_debt_load_rounds_half_even_to_hundredths():
    # 1/8 = 12.5 %; 1/1600 = 0.0625 % → 0.06; 3/1600 = 0.1875 % → 0.19
    assert debt_load_percent(monthly_payments_kop=[1], monthly_income_kop=8) == Decimal("12.50")
    assert debt_load_percent(monthly_payments_kop=[1], monthly_income_kop=1600) == Decimal("0.06")
    assert debt_load_percent(monthly_payments_kop=[3], monthly_income_kop=1600) == Decimal("0.19")


def test_debt_load_without_payments_is_zero():
    assert debt_load_percent(monthly_payments_kop=[], monthly_income_kop=100) == Decimal("0.00")


@pytest.mark.parametrize("income", [0, -100])
def test_debt_load_needs_positive_income(income):
    with pytest.raises(DomainError) as refused:
        debt_load_percent(monthly_payments_kop=[100], monthly_income_kop=income)

    assert refused.value.code == "income_unknown"


def test_debt_load_of_exactly_50_percent_needs_no_warning():
    assert not needs_debt_load_warning(Decimal("50.00"))
    assert not needs_debt_load_warning(PDN_WARNING_PERCENT)


def test_debt_load_above_50_percent_needs_a_warning():
    assert needs_debt_load_warning(Decimal("50.01"))


@settings(max_examples=100, deadline=None)
@given(
    payments=st.lists(st.integers(min_value=0, max_value=10**9), max_size=5),
    income=st.integers(min_value=1, max_value=10**9),
)
def test_debt_load_is_within_half_a_hundredth_of_the_exact_ratio(payments, income):
    percent = debt_load_percent(monthly_payments_kop=payments, monthly_income_kop=income)

    exact = Decimal(sum(payments) * 100) / Decimal(income)
    assert abs(percent - exact) <= Decimal("0.005")
    assert percent.as_tuple().exponent == -2
