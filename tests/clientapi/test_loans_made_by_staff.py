"""A borrower staff registered (or the demo seeded) signs in by phone and signs and takes the
money through the API: no application record behind the loan, and never a 500."""

from django.test import TestCase

from clientapi.models import LoanRequest
from loans import services as loan_services
from loans.gateway import SandboxGateway
from loans.models import Loan, LoanStatus, PayoutOrder
from tests.clientapi.conftest import last_code, sign_in
from tests.factories import (
    DEMO_BIK,
    BorrowerFactory,
    applied_loan,
    bureaus_answered,
    valid_account,
)


def _staff_made_offer(api) -> Loan:
    borrower = BorrowerFactory()
    loan = applied_loan(borrower=borrower)
    loan = loan_services.loan_approve(loan=loan_services.loan_score(loan=loan))
    sign_in(api, borrower.phone)
    return loan


def _bank_account(api) -> int:
    answer = api.post(
        "/api/v1/payout-methods/",
        {"kind": "bank_account", "account": valid_account(), "bik": DEMO_BIK},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    return answer.json()["id"]


def _sign(api, loan_id, key="sign-1", **body):
    assert api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.post(
            f"/api/v1/applications/{loan_id}/sign/",
            {"code": last_code(api.phone), **body},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )


def test_signing_a_loan_made_by_staff_without_a_payout_method_asks_for_one(business_date, api):
    loan = _staff_made_offer(api)

    answer = _sign(api, loan.pk)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "payout_method_required"
    assert answer.json()["error"]["field"] == "payout_method"
    loan.refresh_from_db()
    assert loan.signed_at is None
    assert not PayoutOrder.objects.exists()


def test_a_loan_made_by_staff_is_signed_and_paid_to_the_method_named(business_date, api):
    loan = _staff_made_offer(api)
    method = _bank_account(api)

    answer = _sign(api, loan.pk, payout_method=method)

    assert answer.status_code == 201, answer.json()
    assert Loan.objects.get(pk=loan.pk).status in (LoanStatus.DISBURSED, LoanStatus.SERVICED)
    assert LoanRequest.objects.get(loan=loan).payout_destination_id == method


def test_a_payout_retry_of_a_loan_made_by_staff_is_ordered(business_date, api):
    loan = _staff_made_offer(api)
    method = _bank_account(api)
    bureaus_answered(loan.borrower)
    loan = loan_services.loan_sign(loan=loan)
    with TestCase.captureOnCommitCallbacks(execute=True):
        SandboxGateway.queue_outcomes("fail")
        loan_services.loan_disburse(
            loan=loan,
            method="bank_account",
            destination={"account": valid_account(), "bik": DEMO_BIK},
        )
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.APPROVED

    with TestCase.captureOnCommitCallbacks(execute=True):
        retry = api.post(
            f"/api/v1/applications/{loan.pk}/payout/",
            {"payout_method": method},
            format="json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )

    assert retry.status_code == 201, retry.json()
    assert retry.json()["attempt"] == 2
    assert LoanRequest.objects.get(loan=loan).payout_destination_id == method
