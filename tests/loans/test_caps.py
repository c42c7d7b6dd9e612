"""Caps and limits by signing date (REGULATION.md, "Price caps")."""

import datetime as dt
from decimal import Decimal

import pytest

from cards import services as credit_lines
from cards.models import CreditLine
from loans import services
from loans.business_date import set_business_date
from loans.cob import run_cob_until
from loans.errors import CapExceeded, LimitExceeded
from loans.models import JournalEntry, Loan, LoanStatus, MarketAveragePsk, RegulationLimit
from loans.regulation import NoLimitsForDate, limits_for_contract
from tests.factories import (
    BorrowerFactory,
    IlProductFactory,
    PdlProductFactory,
    applied_loan,
    bureaus_answered,
    signed_loan,
)
from tests.loans.helpers import book, fresh, issued, loan_row, repay


def approved_loan(**kwargs) -> Loan:
    loan = applied_loan(**kwargs)
    bureaus_answered(loan.borrower)
    loan = services.loan_score(loan=loan)
    return services.loan_approve(loan=loan)


def assert_refused_and_unchanged(loan: Loan, error, *, match: str):
    before_row, before_book = loan_row(loan), book()
    with pytest.raises(error, match=match):
        services.loan_sign(loan=loan)
    assert loan_row(loan) == before_row
    assert book() == before_book
    assert not loan.schedule_items.exists()


# --- which limits apply ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_on", "multiplier"),
    [
        (dt.date(2023, 7, 1), Decimal("1.30")),
        (dt.date(2026, 3, 31), Decimal("1.30")),
        (dt.date(2026, 4, 1), Decimal("1.00")),
        (dt.date(2026, 11, 2), Decimal("1.00")),
        (dt.date(2027, 6, 1), Decimal("1.00")),
    ],
)
def test_charges_cap_multiplier_depends_on_the_signing_date(db, signed_on, multiplier):
    assert limits_for_contract(signed_on=signed_on).charges_cap_multiplier == multiplier


def test_no_limits_before_the_first_configured_period_is_refused(db):
    with pytest.raises(NoLimitsForDate, match="2023-06-30"):
        limits_for_contract(signed_on=dt.date(2023, 6, 30))


def test_high_psk_loan_rule_depends_on_the_signing_date(db):
    before = limits_for_contract(signed_on=dt.date(2026, 9, 30))
    from_october = limits_for_contract(signed_on=dt.date(2026, 10, 1))
    from_april = limits_for_contract(signed_on=dt.date(2027, 4, 1))

    assert before.max_high_psk_loans is None
    assert (from_october.high_psk_threshold_percent, from_october.max_high_psk_loans) == (200, 2)
    assert from_october.cooling_off_days is None
    assert (from_april.high_psk_threshold_percent, from_april.max_high_psk_loans) == (100, 1)
    assert from_april.cooling_off_days == 3


def test_contract_signed_on_2026_03_31_caps_charges_at_1_3_times_principal(db):
    set_business_date(on=dt.date(2026, 3, 31))

    loan = signed_loan(amount_kop=1_000_000)

    assert loan.charges_cap_kop == 1_300_000
    assert loan.limits_snapshot["charges_cap_multiplier"] == "1.30"


def test_contract_signed_on_2026_04_01_caps_charges_at_the_principal(db):
    set_business_date(on=dt.date(2026, 4, 1))

    loan = signed_loan(amount_kop=1_000_000)

    assert loan.charges_cap_kop == 1_000_000
    assert loan.limits_snapshot["charges_cap_multiplier"] == "1.00"


# --- a contract that breaks a cap is refused and nothing changes -----------------------------


def test_daily_rate_above_0_8_percent_is_refused(business_date):
    loan = approved_loan(product=PdlProductFactory(code="pdl-hot", daily_rate_ppm=8_001))

    assert_refused_and_unchanged(loan, CapExceeded, match=r"Daily rate 0\.8001 %.*353-FZ")


def test_psk_above_the_cap_is_refused(business_date):
    RegulationLimit.objects.filter(valid_from=dt.date(2026, 10, 1)).update(
        max_psk_percent=Decimal("250")
    )
    loan = approved_loan()

    assert_refused_and_unchanged(loan, CapExceeded, match=r"ПСК 292\.000 %.*353-FZ art\. 6")


def long_pdl_product():
    return PdlProductFactory(code="pdl130", max_term_days=130)


def test_scheduled_charges_above_the_principal_are_refused_from_2026_04_01(db):
    set_business_date(on=dt.date(2026, 4, 1))
    # 128 days, due Friday 2026-08-07 (130 days would end on a Sunday and move to Monday).
    loan = approved_loan(product=long_pdl_product(), term_days=128)

    # 128 days × 80 ₽ = 10 240 ₽ of interest on 10 000 ₽.
    assert_refused_and_unchanged(
        loan, CapExceeded, match=r"1024000 kop exceed the cap on all charges of 1000000 kop"
    )


def test_the_same_contract_is_allowed_under_the_1_3_cap_on_2026_03_31(db):
    set_business_date(on=dt.date(2026, 3, 31))
    loan = approved_loan(product=long_pdl_product(), term_days=128)  # due Thursday 2026-08-06

    loan = services.loan_sign(loan=loan)

    assert loan.schedule_items.get().interest_kop == 1_024_000
    assert loan.charges_cap_kop == 1_300_000


def test_any_amount_at_the_maximum_daily_rate_can_be_signed(business_date):
    # 10 001 ₽ × 0.8 % = 80,008 ₽ a day: charged 80,00 ₽, never above the rate.
    loan = services.loan_sign(loan=approved_loan(amount_kop=1_000_100))

    assert loan.schedule_items.get().interest_kop == 30 * 8_000
    assert loan.psk_percent <= Decimal("292.000")


# --- accrual never passes the cap -----------------------------------------------------------


def test_accrual_stops_exactly_at_the_cap_on_all_charges(business_date):
    # 30 days × 80 ₽ to the due date (2026-12-02), then 80 ₽ interest + 5,47 ₽ penalty a day:
    # 88 full days reach 9 921,36 ₽; on the 89th (2027-03-01) only 78,64 ₽ of interest fit.
    loan = issued(on=business_date)

    run_cob_until(until=dt.date(2027, 3, 20))

    loan = fresh(loan)
    assert loan.charges_total_kop == loan.charges_cap_kop == 1_000_000
    assert loan.interest_out_kop == 240_000 + 88 * 8_000 + 7_864
    assert loan.penalty_out_kop == 88 * 547
    last = JournalEntry.objects.filter(loan=loan, kind="accrual").latest("business_date")
    assert last.business_date == dt.date(2027, 3, 1)


def test_a_contract_signed_under_the_1_3_cap_keeps_it_after_the_rules_change(db):
    # Signed 2026-03-31, due 2026-04-30: 2 400 ₽, then 85,47 ₽ a day; 124 days reach
    # 12 998,28 ₽ and the 125th adds the last 1,72 ₽ of interest.
    loan = issued(on=dt.date(2026, 3, 31))

    run_cob_until(until=dt.date(2026, 9, 10))

    loan = fresh(loan)
    assert loan.charges_total_kop == 1_300_000
    assert loan.interest_out_kop == 240_000 + 124 * 8_000 + 172
    assert loan.penalty_out_kop == 124 * 547


# --- 545-FZ: loans with a high ПСК ----------------------------------------------------------


def test_a_third_outstanding_loan_above_200_percent_is_refused_from_2026_10_01(business_date):
    borrower = BorrowerFactory()
    issued(borrower=borrower)
    issued(borrower=borrower)
    third = approved_loan(borrower=borrower)

    assert_refused_and_unchanged(
        third, LimitExceeded, match=r"already has 2 outstanding loan\(s\) with ПСК above 200"
    )


def test_a_third_loan_above_200_percent_was_allowed_on_2026_09_30(db):
    borrower = BorrowerFactory()
    issued(borrower=borrower, on=dt.date(2026, 9, 30))
    issued(borrower=borrower)

    third = services.loan_sign(loan=approved_loan(borrower=borrower))

    assert third.signed_at is not None


def test_a_third_loan_with_psk_under_200_percent_is_allowed(business_date):
    borrower = BorrowerFactory()
    issued(borrower=borrower)
    issued(borrower=borrower)

    third = services.loan_sign(
        loan=approved_loan(borrower=borrower, product=IlProductFactory(), term_days=56)
    )

    assert third.psk_percent < 200


def test_signed_offers_not_yet_paid_out_count_as_outstanding(business_date):
    borrower = BorrowerFactory()
    signed_loan(borrower=borrower)
    signed_loan(borrower=borrower)
    third = approved_loan(borrower=borrower)

    assert_refused_and_unchanged(third, LimitExceeded, match="545-FZ")


def test_a_repaid_loan_no_longer_counts(business_date):
    borrower = BorrowerFactory()
    first = issued(borrower=borrower)
    issued(borrower=borrower)
    repay(first, 1_000_000)
    assert fresh(first).status == LoanStatus.CLOSED

    third = services.loan_sign(loan=approved_loan(borrower=borrower))

    assert third.signed_at is not None


def test_from_2027_04_01_a_second_loan_above_100_percent_is_refused(db):
    borrower = BorrowerFactory()
    issued(borrower=borrower, on=dt.date(2027, 4, 1))
    second = approved_loan(borrower=borrower, product=IlProductFactory(), term_days=56)

    assert_refused_and_unchanged(
        second, LimitExceeded, match=r"already has 1 outstanding loan\(s\) with ПСК above 100"
    )


def repaid_high_psk_loan(borrower, *, on: dt.date) -> Loan:
    loan = issued(borrower=borrower, on=on)
    repay(loan, 1_000_000)
    loan = fresh(loan)
    assert loan.status == LoanStatus.CLOSED
    assert loan.closed_on == on
    return loan


def test_a_loan_above_100_percent_within_3_days_of_repaying_one_is_refused(db):
    borrower = BorrowerFactory()
    repaid_high_psk_loan(borrower, on=dt.date(2027, 4, 5))
    set_business_date(on=dt.date(2027, 4, 7))
    loan = approved_loan(borrower=borrower)

    assert_refused_and_unchanged(loan, LimitExceeded, match=r"Cooling-off of 3 days.*545-FZ")


def test_a_loan_above_100_percent_is_allowed_once_the_cooling_off_is_over(db):
    borrower = BorrowerFactory()
    repaid_high_psk_loan(borrower, on=dt.date(2027, 4, 5))
    set_business_date(on=dt.date(2027, 4, 8))

    loan = services.loan_sign(loan=approved_loan(borrower=borrower))

    assert loan.signed_at is not None


# --- the market average ПСК (a switch) -------------------------------------------------------


def market_average(percent: str) -> None:
    MarketAveragePsk.objects.create(
        category="pdl", valid_from=dt.date(2026, 10, 1), average_percent=Decimal(percent)
    )


def test_psk_is_capped_at_the_market_average_plus_a_third(business_date):
    market_average("150")

    assert limits_for_contract(signed_on=business_date, category="pdl").max_psk_percent == 200
    assert limits_for_contract(signed_on=business_date, category="il").max_psk_percent == 292
    loan = approved_loan()
    assert_refused_and_unchanged(loan, CapExceeded, match=r"above the cap of 200\.000 %")


def test_the_market_average_check_can_be_switched_off(business_date):
    market_average("150")
    RegulationLimit.objects.filter(valid_from=dt.date(2026, 10, 1)).update(
        market_psk_check_enabled=False
    )

    loan = services.loan_sign(loan=approved_loan())

    assert loan.psk_percent == Decimal("292.000")


def test_a_market_average_published_after_signing_does_not_apply(business_date):
    MarketAveragePsk.objects.create(
        category="pdl", valid_from=dt.date(2027, 1, 1), average_percent=Decimal("150")
    )

    assert limits_for_contract(signed_on=business_date, category="pdl").max_psk_percent == 292


def test_a_personal_rate_above_the_products_is_refused(business_date):
    from loans.errors import InvalidAmount
    from loans.models import LoanStatus
    from tests.factories import applied_loan

    loan = services.loan_score(loan=applied_loan())
    with pytest.raises(InvalidAmount, match="personal rate"):
        services.loan_approve(loan=loan, daily_rate_ppm=loan.product.daily_rate_ppm + 1)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SCORED and loan.daily_rate_ppm is None


# --- 545-FZ: the virtual card counts as a contract ------------------------------------------


def test_an_open_card_above_200_percent_counts_toward_the_545_fz_limit(business_date):
    borrower = BorrowerFactory()
    issued(borrower=borrower)
    card = credit_lines.credit_line_open(
        borrower=borrower, limit_kop=1_000_000, daily_rate_ppm=8_000
    )
    assert card.psk_percent > 200
    third = approved_loan(borrower=borrower)

    assert_refused_and_unchanged(
        third, LimitExceeded, match=r"already has 2 outstanding loan\(s\) with ПСК above 200"
    )


def test_a_card_above_200_percent_is_refused_beside_two_such_loans(business_date):
    borrower = BorrowerFactory()
    issued(borrower=borrower)
    issued(borrower=borrower)

    with pytest.raises(LimitExceeded, match="545-FZ"):
        credit_lines.credit_line_open(borrower=borrower, limit_kop=1_000_000, daily_rate_ppm=8_000)
    assert not CreditLine.objects.exists()


def test_a_card_under_200_percent_is_opened_beside_two_such_loans(business_date):
    borrower = BorrowerFactory()
    issued(borrower=borrower)
    issued(borrower=borrower)

    card = credit_lines.credit_line_open(
        borrower=borrower, limit_kop=1_000_000, daily_rate_ppm=5_000
    )

    assert card.psk_percent < 200
