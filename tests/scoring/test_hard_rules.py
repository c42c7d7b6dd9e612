import datetime as dt

import pytest

from loans import services
from loans.business_date import set_business_date
from loans.models import LoanStatus
from scoring.models import ProductRiskPolicy, ScoreResult
from tests.factories import BorrowerFactory, PdlProductFactory, applied_loan, live_loan
from tests.scoring.conftest import clean_bureau
from zaymer.pipeline import score_and_route


def _reason_codes(loan):
    score_and_route(loan_id=loan.pk)
    loan.refresh_from_db()
    result = ScoreResult.objects.get(loan=loan)
    return loan.status, [reason["code"] for reason in result.reasons]


@pytest.fixture
def approving(champion_at):
    return champion_at(0.01)


def test_clean_application_passes_every_hard_rule(business_date, approving):
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))
    status, codes = _reason_codes(loan)
    assert status == LoanStatus.APPROVED
    assert not [code for code in codes if code.startswith("HR_")]


def test_under_18_is_declined(business_date, approving):
    borrower = clean_bureau(BorrowerFactory(birth_date=business_date.replace(year=2009)))
    status, codes = _reason_codes(applied_loan(borrower=borrower))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_AGE_MIN"]


def test_over_the_products_age_limit_is_declined(business_date, approving):
    product = PdlProductFactory()
    ProductRiskPolicy.objects.create(product=product, max_age=70)
    borrower = clean_bureau(BorrowerFactory(birth_date=dt.date(1950, 1, 1)))
    status, codes = _reason_codes(applied_loan(borrower=borrower, product=product))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_AGE_MAX"]


def test_self_ban_in_any_bureau_is_declined(business_date, approving):
    borrower = clean_bureau(BorrowerFactory(), self_ban=True)
    status, codes = _reason_codes(applied_loan(borrower=borrower))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_SELF_BAN"]


def test_third_high_psk_loan_is_declined_under_545_fz(business_date, approving):
    product = PdlProductFactory()
    ProductRiskPolicy.objects.create(product=product, allows_concurrent_loans=True)
    borrower = clean_bureau(BorrowerFactory(declared_income_kop=50_000_000))
    live_loan(on=business_date, borrower=borrower, product=product)
    live_loan(on=business_date, borrower=borrower, product=product)
    status, codes = _reason_codes(applied_loan(borrower=borrower, product=product))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_HIGH_PSK_LIMIT"]


def test_high_psk_loans_reported_by_the_bureau_count_too(business_date, approving):
    borrower = clean_bureau(BorrowerFactory(), open_high_psk_loans=2)
    _, codes = _reason_codes(applied_loan(borrower=borrower))
    assert codes == ["HR_HIGH_PSK_LIMIT"]


def test_debt_load_above_the_limit_is_declined(business_date, approving):
    borrower = clean_bureau(BorrowerFactory(declared_income_kop=100_000))
    status, codes = _reason_codes(applied_loan(borrower=borrower))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_PDN"]


def test_phone_used_before_under_another_name_is_declined(business_date, approving):
    first = BorrowerFactory(phone="+79990000001")
    first.phone = "+79990000002"
    first.save()
    borrower = clean_bureau(BorrowerFactory(phone="+79990000001"))
    status, codes = _reason_codes(applied_loan(borrower=borrower))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_DUPLICATE_IDENTITY"]


def test_open_loan_is_declined_when_the_product_forbids_two(business_date, approving):
    borrower = clean_bureau(BorrowerFactory(declared_income_kop=50_000_000))
    live_loan(on=business_date, borrower=borrower)
    status, codes = _reason_codes(applied_loan(borrower=borrower))
    assert status == LoanStatus.REJECTED
    assert codes == ["HR_OPEN_LOAN"]


def test_repaying_a_high_psk_loan_starts_a_cooling_off_under_545_fz(
    approving, django_capture_on_commit_callbacks
):
    repaid_on = dt.date(2027, 4, 5)  # from April 2027: 3 days after a loan above 100 %
    borrower = clean_bureau(BorrowerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        loan = live_loan(on=repaid_on, borrower=borrower)
    loan.refresh_from_db()
    services.loan_repay(
        loan=loan, amount_kop=services.repayment_quote_kop(loan=loan), provider="sbx", event_id="r"
    )

    set_business_date(on=repaid_on + dt.timedelta(days=2))
    _, within = _reason_codes(applied_loan(borrower=borrower))
    set_business_date(on=repaid_on + dt.timedelta(days=3))
    _, after = _reason_codes(applied_loan(borrower=borrower))

    assert within == ["HR_HIGH_PSK_COOLING_OFF"]
    assert not [code for code in after if code.startswith("HR_")]
