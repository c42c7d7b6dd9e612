"""The borrower API's optional first payment date of an installment loan."""

from loans.models import Loan
from tests.clientapi.conftest import apply
from tests.factories import IlProductFactory

# The business date of these tests is Monday 2 November 2026.


def payday_product():
    return IlProductFactory(code="il-payday", first_period_min_days=7, first_period_max_days=28)


def test_a_first_due_date_within_the_limits_is_kept_as_the_first_periods_days(borrower_api):
    payday_product()
    answer = apply(borrower_api, product="il-payday", term_days=56, first_due_date="2026-11-23")

    assert answer.status_code == 201, answer.json()
    assert Loan.objects.get(pk=answer.json()["id"]).first_period_days == 21


def test_a_first_due_date_beyond_the_limits_is_refused_naming_the_field(borrower_api):
    payday_product()
    answer = apply(borrower_api, product="il-payday", term_days=56, first_due_date="2026-12-01")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_first_period"
    assert answer.json()["error"]["field"] == "first_due_date"
    assert not Loan.objects.exists()


def test_a_first_due_date_that_is_not_a_date_is_refused_naming_the_field(borrower_api):
    payday_product()
    answer = apply(borrower_api, product="il-payday", term_days=56, first_due_date="23.11.2026")

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "first_due_date"
