"""The terms the borrower signed are the terms that run, whenever the money arrives."""

import datetime as dt

from django.test import TestCase

from loans import services, tasks
from loans.documents.terms import contract_terms
from loans.gateway import SandboxGateway
from loans.models import BorrowerMessage, Loan, LoanStatus
from tests.factories import (
    DEMO_BIK,
    IlProductFactory,
    applied_loan,
    bureaus_answered,
    valid_account,
)
from tests.loans.helpers import DAY, open_day, repay

PRODUCT_RATE = 6000  # 0.6 %/day
PERSONAL_RATE = 5000  # 0.5 %/day


def _signed_at_personal_rate() -> Loan:
    product = IlProductFactory(daily_rate_ppm=PRODUCT_RATE)
    loan = applied_loan(product=product, amount_kop=3_000_000, term_days=84)
    loan = services.loan_score(loan=loan)
    loan = services.loan_approve(loan=loan, daily_rate_ppm=PERSONAL_RATE)
    bureaus_answered(loan.borrower)
    return services.loan_sign(loan=loan)


def _paid_out_the_next_day(loan: Loan, business_date: dt.date) -> Loan:
    """The gateway takes the order and answers only after the business date has moved on."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        SandboxGateway.queue_outcomes("timeout")
        services.loan_disburse(
            loan=loan,
            method="bank_account",
            destination={"account": valid_account(), "bik": DEMO_BIK},
        )
    open_day(business_date + DAY)
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.poll_pending_payouts()
    return Loan.objects.get(pk=loan.pk)


def _installments(loan: Loan) -> list[tuple[int, int, int]]:
    return list(
        loan.schedule_items.order_by("seq").values_list(
            "principal_kop", "interest_kop", "total_kop"
        )
    )


def test_a_schedule_redated_at_payout_keeps_the_personal_rate(business_date):
    loan = _signed_at_personal_rate()
    signed = _installments(loan)
    signed_first_due = loan.schedule_items.order_by("seq").first().due_date

    loan = _paid_out_the_next_day(loan, business_date)

    assert loan.status == LoanStatus.SERVICED
    assert loan.daily_rate_ppm == PERSONAL_RATE
    assert _installments(loan) == signed
    assert loan.schedule_items.order_by("seq").first().due_date == signed_first_due + DAY


def test_a_redated_schedule_keeps_the_signed_psk_and_tells_the_borrower(business_date):
    loan = _signed_at_personal_rate()
    signed_psk = (loan.psk_percent, loan.psk_kop)

    loan = _paid_out_the_next_day(loan, business_date)

    assert (loan.psk_percent, loan.psk_kop) == signed_psk
    message = BorrowerMessage.objects.get(kind="schedule_redated")
    first = loan.schedule_items.order_by("seq").first()
    assert f"{first.due_date:%d.%m.%Y}" in message.body


def test_paying_the_signed_installment_on_its_due_date_is_never_overdue(business_date):
    loan = _signed_at_personal_rate()
    signed_installment = loan.schedule_items.order_by("seq").first().total_kop
    loan = _paid_out_the_next_day(loan, business_date)
    due = loan.schedule_items.order_by("seq").first().due_date

    open_day(due)
    repay(loan, signed_installment)
    open_day(due + DAY)

    loan.refresh_from_db()
    assert loan.status == LoanStatus.SERVICED
    assert loan.penalty_out_kop == 0
    assert loan.days_past_due == 0


def test_the_offer_document_states_the_loans_personal_rate(business_date):
    product = IlProductFactory(daily_rate_ppm=PRODUCT_RATE)
    loan = applied_loan(product=product, amount_kop=3_000_000, term_days=84)
    loan = services.loan_approve(loan=services.loan_score(loan=loan), daily_rate_ppm=PERSONAL_RATE)

    terms = contract_terms(loan=loan)

    assert terms["daily_rate_ppm"] == PERSONAL_RATE


def test_a_product_edited_after_signing_does_not_change_the_redated_schedule(business_date):
    loan = _signed_at_personal_rate()
    signed = _installments(loan)
    loan.product.daily_rate_ppm = 7000
    loan.product.save()

    loan = _paid_out_the_next_day(loan, business_date)

    assert _installments(loan) == signed
