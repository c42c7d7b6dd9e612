"""115-FZ cooling times: 50 000–200 000 ₽ paid out no sooner than 4 hours after signing, above
200 000 ₽ no sooner than 48 hours (contracts signed from 2025-09-01)."""

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from loans import services
from loans.errors import TransitionNotAllowed
from loans.models import LoanStatus, PayoutStatus
from loans.regulation import earliest_payout
from tests.factories import DEMO_BIK, IlProductFactory, signed_loan, valid_account

SIGNED_AT = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
ON = dt.date(2026, 11, 2)
ACCOUNT = {"account": valid_account(), "bik": DEMO_BIK}


@pytest.mark.parametrize(
    "principal_kop,hours",
    [
        (4_999_999, 0),
        (5_000_000, 4),
        (20_000_000, 4),
        (20_000_001, 48),
    ],
)
def test_cooling_time_by_amount(principal_kop, hours):
    held = earliest_payout(principal_kop=principal_kop, signed_at=SIGNED_AT, signed_on=ON)
    assert held - SIGNED_AT == dt.timedelta(hours=hours)


def test_contracts_signed_before_september_2025_have_no_cooling_time():
    signed = dt.datetime(2025, 8, 31, 12, tzinfo=dt.UTC)
    held = earliest_payout(principal_kop=30_000_000, signed_at=signed, signed_on=signed.date())
    assert held == signed


def big_signed_loan():
    return signed_loan(product=IlProductFactory(), amount_kop=6_000_000, term_days=56)


def test_a_payout_inside_the_cooling_time_is_scheduled_not_sent(business_date):
    loan = big_signed_loan()
    order = services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)
    loan.refresh_from_db()
    assert order.status == PayoutStatus.SCHEDULED
    assert order.not_before == loan.signed_at + dt.timedelta(hours=4)
    assert loan.status == LoanStatus.APPROVED
    assert services.payout_release_due() == []


def test_a_second_payout_while_one_waits_is_refused(business_date):
    loan = big_signed_loan()
    services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)
    with pytest.raises(TransitionNotAllowed, match="already scheduled"):
        services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)


def test_the_scheduled_payout_goes_out_when_its_time_comes(business_date):
    loan = big_signed_loan()
    order = services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)
    later = order.not_before + dt.timedelta(seconds=1)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.payout_release_due(now=later) == [order.pk]
    order.refresh_from_db()
    loan.refresh_from_db()
    assert order.status == PayoutStatus.SUCCEEDED
    assert loan.status == LoanStatus.SERVICED


def test_a_payout_whose_loan_was_cancelled_while_waiting_fails_and_pays_nothing(business_date):
    loan = big_signed_loan()
    order = services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)
    services.loan_cancel(loan=loan, reason="the borrower changed their mind")
    services.payout_release_due(now=timezone.now() + dt.timedelta(days=3))
    order.refresh_from_db()
    assert order.status == PayoutStatus.FAILED
    assert not loan.journal_entries.exists() if hasattr(loan, "journal_entries") else True


def test_a_small_loan_is_paid_out_at_once(business_date):
    loan = signed_loan(amount_kop=1_000_000)
    order = services.loan_disburse(loan=loan, method="bank_account", destination=ACCOUNT)
    assert order.status == PayoutStatus.SENT and order.not_before == loan.signed_at
