import datetime as dt

import numpy as np
import pytest

from loans import services
from loans.cob import run_cob_until
from scoring.bureau import SandboxBureau, ask_bureaus
from scoring.features import Application, named_features
from scoring.outcomes import known_outcomes
from tests.factories import BorrowerFactory, PdlProductFactory, applied_loan, live_loan


def _features(borrower, on, **app):
    application = Application(
        product=PdlProductFactory(),
        amount_kop=app.get("amount_kop", 1_000_000),
        term_days=30,
        applied_at=dt.datetime(2026, 11, 2, 14, 30, tzinfo=dt.UTC),
        channel="app",
    )
    return named_features(borrower, application, on)


def test_application_and_profile_features_of_a_known_borrower(business_date):
    borrower = BorrowerFactory(
        birth_date=dt.date(1990, 11, 3), employment="student", declared_income_kop=6_000_000
    )

    f = _features(borrower, business_date)

    assert f["age_years"] == 35  # the birthday is tomorrow
    assert (f["amount_rub"], f["term_days"], f["product"], f["channel"]) == (
        10_000.0,
        30,
        "pdl30",
        "app",
    )
    assert (f["hour"], f["weekday"]) == (17, 0)  # 14:30 UTC is 17:30 on a Monday in Moscow
    assert (f["region"], f["employment"], f["income_rub"]) == ("77", "student", 60_000.0)
    assert f["loans_taken"] == 0
    assert f["days_since_last_loan"] is None


def test_debt_load_feature_is_the_new_loans_payment_over_income(business_date):
    borrower = BorrowerFactory(declared_income_kop=6_000_000)

    f = _features(borrower, business_date)

    # 10 000 ₽ for 30 days at 0.8 %/day: one payment of 12 400 ₽ against 60 000 ₽ of income
    assert f["new_payment_rub"] == 12_400.0
    assert f["pdn_percent"] == pytest.approx(20.67)


def _overdue_then_repaid(on, capture, *, days_overdue):
    borrower = BorrowerFactory()
    with capture(execute=True):
        loan = live_loan(on=on, borrower=borrower)
    run_cob_until(until=on + dt.timedelta(days=29 + days_overdue))
    loan.refresh_from_db()
    services.loan_repay(
        loan=loan, amount_kop=services.repayment_quote_kop(loan=loan), provider="sbx", event_id="x"
    )
    return borrower, loan


def test_history_features_see_a_past_delinquency(business_date, django_capture_on_commit_callbacks):
    borrower, _ = _overdue_then_repaid(
        business_date, django_capture_on_commit_callbacks, days_overdue=35
    )
    later = business_date + dt.timedelta(days=70)

    f = _features(borrower, later)

    assert (f["loans_taken"], f["loans_repaid"], f["loans_open"]) == (1, 1, 0)
    assert (f["max_dpd"], f["last_dpd"]) == (35, 35)
    assert f["on_time_share"] == 0.0
    assert f["days_since_last_loan"] == 70


def test_history_features_do_not_see_the_future(business_date, django_capture_on_commit_callbacks):
    borrower, _ = _overdue_then_repaid(
        business_date, django_capture_on_commit_callbacks, days_overdue=35
    )

    f = _features(borrower, business_date)

    assert (f["loans_taken"], f["max_dpd"]) == (0, 0)


def test_a_loan_35_days_late_is_bad_and_one_repaid_early_is_good(
    business_date, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        early = live_loan(on=business_date)
    early.refresh_from_db()
    services.loan_repay(
        loan=early,
        amount_kop=services.repayment_quote_kop(loan=early),
        provider="sbx",
        event_id="e",
    )
    _, late = _overdue_then_repaid(
        business_date, django_capture_on_commit_callbacks, days_overdue=35
    )

    outcomes = known_outcomes(on=business_date + dt.timedelta(days=70), bad_dpd=30, horizon_days=90)

    assert {o.loan_id: o.bad for o in outcomes} == {early.pk: False, late.pk: True}


def test_sandbox_bureau_is_deterministic_per_borrower(business_date):
    borrower, other = BorrowerFactory(), BorrowerFactory()

    first = ask_bureaus(borrower=borrower, as_of=business_date, width=10_000).primary
    again = SandboxBureau().report(borrower=borrower, as_of=business_date, width=10_000)
    someone_else = ask_bureaus(borrower=other, as_of=business_date, width=10_000).primary

    assert first.attributes.shape == (10_000,)
    np.testing.assert_array_equal(first.attributes, again.attributes)
    assert first.summary() == again.summary()
    assert not np.array_equal(first.attributes, someone_else.attributes, equal_nan=True)
    assert first.inquiries_7d <= first.inquiries_30d <= first.inquiries_90d


def test_an_application_is_not_part_of_its_own_history(business_date):
    loan = applied_loan()
    f = named_features(loan.borrower, Application.of_loan(loan), business_date)
    assert f["loans_taken"] == 0


def test_debt_load_counts_the_borrowers_loans_still_open(
    business_date, django_capture_on_commit_callbacks
):
    borrower = BorrowerFactory(declared_income_kop=6_000_000)
    with django_capture_on_commit_callbacks(execute=True):
        live_loan(on=business_date, borrower=borrower)
    later = business_date + dt.timedelta(days=1)

    f = _features(borrower, later)

    assert (f["loans_taken"], f["loans_open"]) == (1, 1)
    assert f["existing_payments_rub"] == f["new_payment_rub"] == 12_400.0
    assert f["pdn_percent"] == pytest.approx(41.33)
    assert _features(borrower, business_date)["existing_payments_rub"] == 0  # not signed yet
