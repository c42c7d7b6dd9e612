import datetime as dt
from decimal import Decimal

from loans import services
from loans.business_date import set_business_date
from loans.models import LoanStatus
from scoring.models import CutOff, ModelStatus, ScoreResult, ShadowScore
from scoring.selectors import rescore
from tests.factories import (
    BorrowerFactory,
    IlProductFactory,
    applied_loan,
    live_loan,
)
from tests.scoring.conftest import clean_bureau, constant_model, register
from zaymer.pipeline import score_and_route


def _score(loan):
    score_and_route(loan_id=loan.pk)
    loan.refresh_from_db()
    return loan, ScoreResult.objects.get(loan=loan)


def _repeat_borrower(on, capture):
    """A borrower who took a loan on `on` and repaid it the same day; the date moves on 5 days."""
    borrower = clean_bureau(BorrowerFactory())
    with capture(execute=True):
        loan = live_loan(on=on, borrower=borrower)
    loan.refresh_from_db()
    services.loan_repay(
        loan=loan, amount_kop=services.repayment_quote_kop(loan=loan), provider="sbx", event_id="r"
    )
    set_business_date(on=on + dt.timedelta(days=5))
    return borrower


def _cutoff(segment, approve, refer, product=None, max_el=10_000_000):
    return CutOff.objects.update_or_create(
        segment=segment,
        product=product,
        defaults={
            "approve_below_pd": Decimal(approve),
            "refer_below_pd": Decimal(refer),
            "max_expected_loss_kop": max_el,
        },
    )[0]


def test_same_pd_is_referred_for_a_new_borrower_and_approved_for_a_repeat_one(
    business_date, champion_at, django_capture_on_commit_callbacks
):
    champion_at(0.12)
    _cutoff("new", "0.10", "0.25")
    _cutoff("repeat", "0.15", "0.30")
    new_loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))
    repeat = _repeat_borrower(business_date, django_capture_on_commit_callbacks)
    repeat_loan = applied_loan(borrower=repeat)

    new_loan, new_result = _score(new_loan)
    repeat_loan, repeat_result = _score(repeat_loan)

    assert (new_result.segment, new_result.decision) == ("new", "refer")
    assert new_loan.status == LoanStatus.IN_REVIEW
    assert (repeat_result.segment, repeat_result.decision) == ("repeat", "approve")
    assert repeat_loan.status == LoanStatus.APPROVED


def test_a_products_own_cut_off_beats_the_segment_default(business_date, champion_at):
    champion_at(0.12)
    _cutoff("new", "0.10", "0.25")
    product = IlProductFactory()
    _cutoff("new", "0.05", "0.11", product=product)

    loan, result = _score(
        applied_loan(
            borrower=clean_bureau(BorrowerFactory(declared_income_kop=50_000_000)),
            product=product,
            amount_kop=2_000_000,
            term_days=56,
        )
    )

    assert result.decision == "decline"
    assert result.policy["refer_below_pd"] == 0.11
    assert loan.status == LoanStatus.REJECTED


def test_amount_is_cut_to_keep_expected_loss_within_policy(business_date, champion_at):
    champion_at(0.05)
    _cutoff("new", "0.10", "0.25", max_el=30_000)  # 300 ₽ at PD 5 % and LGD 0.8 → 7 500 ₽

    loan, result = _score(
        applied_loan(borrower=clean_bureau(BorrowerFactory()), amount_kop=2_000_000)
    )

    assert result.approved_amount_kop == 700_000
    assert loan.principal_kop == 700_000
    assert "AMOUNT_EXPECTED_LOSS" in [r["code"] for r in result.reasons]


def test_decision_is_recreated_from_its_snapshot(business_date, champion_at):
    champion_at(0.12)
    _, result = _score(applied_loan(borrower=clean_bureau(BorrowerFactory())))
    CutOff.objects.update(approve_below_pd=Decimal("0.5"), refer_below_pd=Decimal("0.9"))

    again = rescore(ScoreResult.objects.get(pk=result.pk))

    assert again.decision == result.decision
    assert again.pd == result.pd
    assert again.approved_amount_kop == result.approved_amount_kop
    assert [r.as_dict() for r in again.reasons] == result.reasons


def test_challenger_is_scored_in_shadow_and_never_decides(business_date, champion_at):
    champion_at(0.01)
    challenger = register(constant_model(0.9), status=ModelStatus.CHALLENGER)

    _, result = _score(applied_loan(borrower=clean_bureau(BorrowerFactory())))

    assert result.decision == "approve"
    shadow = ShadowScore.objects.get(score_result=result)
    assert (shadow.model_version, shadow.decision) == (challenger, "decline")
