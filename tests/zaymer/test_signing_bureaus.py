"""Signing asks the credit bureaus again when their answer is missing or stale (issue 18)."""

import datetime as dt

import pytest
from django.utils import timezone

from loans import services
from loans.errors import BureauCheckRequired, BureausUnavailable, LimitExceeded
from loans.models import Borrower, Loan
from scoring.bureau import SandboxBureau
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import _isolated_scoring, clean_bureau  # noqa: F401 - autouse
from zaymer import pipeline

pytestmark = pytest.mark.django_db


def approved(borrower: Borrower) -> Loan:
    loan = applied_loan(borrower=borrower)
    loan = services.loan_score(loan=loan)
    return services.loan_approve(loan=loan)


def borrower_checked(ago: dt.timedelta | None) -> Borrower:
    checked_at = None if ago is None else timezone.now() - ago
    return clean_bureau(
        BorrowerFactory(
            self_ban_checked_at=checked_at,
            bureau_high_psk_loans=None if ago is None else 0,
            self_ban_active=None if ago is None else False,
        )
    )


def test_a_borrower_never_checked_is_asked_at_signing(business_date):
    loan = approved(borrower_checked(None))

    assert pipeline.ensure_bureau_answer(loan=loan) is True
    assert Borrower.objects.get(pk=loan.borrower_id).self_ban_checked_at is not None


def test_an_answer_40_days_old_is_asked_again(business_date):
    loan = approved(borrower_checked(dt.timedelta(days=40)))
    before = timezone.now()

    signed = pipeline.sign_offer(loan=loan)

    assert signed.signed_at is not None
    assert Borrower.objects.get(pk=loan.borrower_id).self_ban_checked_at >= before


def test_a_fresh_answer_is_not_asked_again(business_date):
    loan = approved(borrower_checked(dt.timedelta(minutes=30)))
    SandboxBureau.fault = "down"  # would refuse if asked

    assert pipeline.ensure_bureau_answer(loan=loan) is False
    assert pipeline.sign_offer(loan=loan).signed_at is not None


def test_the_age_that_counts_as_fresh_is_a_setting(business_date, settings):
    settings.SIGNING_BUREAU_MAX_AGE_HOURS = 0.25
    loan = approved(borrower_checked(dt.timedelta(minutes=30)))

    assert pipeline.ensure_bureau_answer(loan=loan) is True


def test_signing_is_refused_when_the_bureaus_are_down(business_date):
    loan = approved(borrower_checked(None))
    SandboxBureau.fault = "down"

    with pytest.raises(BureausUnavailable, match="Retry later"):
        pipeline.sign_offer(loan=loan)

    assert Loan.objects.get(pk=loan.pk).signed_at is None


def test_a_malformed_bureau_answer_refuses_signing_with_a_message(business_date):
    loan = approved(borrower_checked(None))
    SandboxBureau.fault = "malformed"

    with pytest.raises(BureausUnavailable, match="malformed answer"):
        pipeline.sign_offer(loan=loan)


def test_a_self_ban_found_at_signing_refuses_it(business_date):
    borrower = borrower_checked(dt.timedelta(days=40))
    loan = approved(borrower)
    clean_bureau(borrower, self_ban=True)

    with pytest.raises(LimitExceeded, match="self-ban"):
        pipeline.sign_offer(loan=loan)


def test_the_545_fz_count_at_signing_takes_the_bureaus_loans(business_date):
    # From 2026-10-01 a third loan with ПСК above 200 % is refused; the lender's own book
    # has none, the bureaus know of two elsewhere.
    borrower = borrower_checked(None)
    loan = approved(borrower)
    clean_bureau(borrower, open_high_psk_loans=2)

    with pytest.raises(LimitExceeded) as refused:
        pipeline.sign_offer(loan=loan)

    assert refused.value.code == "high_psk_loan_limit"


def test_the_loan_core_refuses_to_sign_on_a_stale_answer(business_date):
    loan = approved(borrower_checked(dt.timedelta(days=40)))

    with pytest.raises(BureauCheckRequired):
        services.loan_sign(loan=loan)
