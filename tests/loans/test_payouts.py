"""Payout orders, the sandbox gateway and the failure, timeout and repeat paths."""

import datetime as dt

import pytest
from django.db import connection
from django.test import TestCase

from loans import services, tasks
from loans.errors import DomainError, InvalidPaymentDetails, TransitionNotAllowed
from loans.gateway import SandboxGateway
from loans.models import (
    Account,
    JournalEntry,
    Loan,
    LoanStatus,
    PayoutMethod,
    PayoutOrder,
    PayoutStatus,
    TransitionLog,
)
from tests.factories import DEMO_BIK, applied_loan, signed_loan, valid_account
from tests.loans.helpers import balance, book, fresh, loan_row

CARD = {"token": "tok_4f8a2c9e1b", "last4": "4242", "exp_month": 12, "exp_year": 2030}
CARD_NUMBER = "4111111111111111"  # passes the Luhn check


def disburse(loan: Loan, *, outcome: str | None = None, method=PayoutMethod.CARD, **dest):
    """Order the payout; the task runs on commit with the sandbox answering `outcome`."""
    destination = dest or (
        CARD if method == PayoutMethod.CARD else {"account": valid_account(), "bik": DEMO_BIK}
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        if outcome:
            SandboxGateway.queue_outcomes(outcome)
        order = services.loan_disburse(loan=loan, method=method, destination=destination)
    return PayoutOrder.objects.get(pk=order.pk)


def every_stored_value() -> str:
    """The text of every row of every table: to prove a value was never written anywhere."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


# --- card and bank account -------------------------------------------------------------------


def test_card_payout_keeps_the_token_and_last_four_digits_only(business_date):
    loan = signed_loan()

    order = disburse(loan)

    assert (order.method, order.card_token, order.card_last4) == ("card", "tok_4f8a2c9e1b", "4242")
    assert (order.card_exp_month, order.card_exp_year) == (12, 2030)
    assert order.status == PayoutStatus.SUCCEEDED
    assert fresh(loan).status == LoanStatus.SERVICED


@pytest.mark.parametrize("token", [CARD_NUMBER, "4111 1111 1111 1111", "4111-1111-1111-1111"])
def test_a_full_card_number_as_token_is_refused_and_never_stored(business_date, token):
    loan = signed_loan()
    before_row, before_book = loan_row(loan), book()

    with pytest.raises(InvalidPaymentDetails, match="looks like a card number") as refused:
        disburse(loan, **{**CARD, "token": token})

    assert CARD_NUMBER not in str(refused.value)
    assert not PayoutOrder.objects.exists()
    assert loan_row(loan) == before_row
    assert book() == before_book
    stored = every_stored_value()
    assert CARD_NUMBER not in stored
    assert "4111 1111 1111 1111" not in stored


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"last4": "42"}, "last4 must be exactly 4 digits"),
        ({"exp_month": 13}, "expiry month must be 1 to 12"),
        ({"exp_month": 10, "exp_year": 2026}, "the card has expired"),
        ({"exp_month": "ab"}, "expiry month"),
        ({"exp_year": "20x0"}, "expiry year"),
    ],
)
def test_bad_card_details_are_refused_and_change_nothing(business_date, change, message):
    loan = signed_loan()
    before_row, before_book = loan_row(loan), book()

    with pytest.raises(InvalidPaymentDetails, match=message):
        disburse(loan, **{**CARD, **change})

    assert not PayoutOrder.objects.exists()
    assert loan_row(loan) == before_row
    assert book() == before_book


def test_bank_account_payout_with_a_valid_control_digit(business_date):
    loan = signed_loan()

    order = disburse(loan, method=PayoutMethod.BANK_ACCOUNT)

    assert (order.account_number, order.bik) == (valid_account(), DEMO_BIK)
    assert order.card_token == order.card_last4 == ""
    assert fresh(loan).status == LoanStatus.SERVICED


def test_bank_account_with_a_wrong_control_digit_is_refused(business_date):
    loan = signed_loan()
    good = valid_account()
    bad = good[:8] + str((int(good[8]) + 1) % 10) + good[9:]
    before_row, before_book = loan_row(loan), book()

    with pytest.raises(InvalidPaymentDetails, match="control key mismatch"):
        disburse(loan, method=PayoutMethod.BANK_ACCOUNT, account=bad, bik=DEMO_BIK)

    assert not PayoutOrder.objects.exists()
    assert loan_row(loan) == before_row
    assert book() == before_book


def test_an_unknown_payout_method_is_refused(business_date):
    loan = signed_loan()

    with pytest.raises(DomainError, match="Unknown payout method 'cash'"):
        disburse(loan, method="cash", token="x")

    assert fresh(loan).status == LoanStatus.APPROVED


def test_an_unsigned_offer_cannot_be_paid_out(business_date):
    loan = services.loan_approve(loan=services.loan_score(loan=applied_loan()))

    with pytest.raises(TransitionNotAllowed, match="must be signed"):
        disburse(loan)

    assert not PayoutOrder.objects.exists()


def test_a_confirmed_payout_moves_the_principal_from_cash_to_the_loan(business_date):
    loan = signed_loan(amount_kop=1_500_000)

    disburse(loan)

    assert balance(Account.CASH) == -1_500_000
    assert balance(Account.PAYOUTS_IN_TRANSIT) == 0
    assert balance(Account.LOAN_PRINCIPAL, loan=loan) == 1_500_000
    loan = fresh(loan)
    assert (loan.principal_out_kop, loan.issue_date) == (1_500_000, business_date)


# --- failure ---------------------------------------------------------------------------------


def test_a_failed_payout_returns_the_loan_to_approved_and_restores_cash(business_date):
    loan = signed_loan()

    order = disburse(loan, outcome="fail")

    assert order.status == PayoutStatus.FAILED
    assert order.failure_reason == "Declined by the issuing bank"
    loan = fresh(loan)
    assert loan.status == LoanStatus.APPROVED
    assert loan.principal_out_kop == 0
    assert balance(Account.CASH) == 0
    assert balance(Account.PAYOUTS_IN_TRANSIT) == 0
    assert list(JournalEntry.objects.order_by("id").values_list("kind", flat=True)) == [
        "payout_sent",
        "payout_failed",
    ]
    assert list(loan.transitions.values_list("transition", "target")) == [
        ("score", "scored"),
        ("approve", "approved"),
        ("disburse", "disbursed"),
        ("payout_failed", "approved"),
    ]


def test_after_a_failed_payout_another_method_can_be_tried(business_date):
    loan = signed_loan()
    disburse(loan, outcome="fail")

    order = disburse(loan, method=PayoutMethod.BANK_ACCOUNT)

    assert order.attempt == 2
    assert order.status == PayoutStatus.SUCCEEDED
    assert fresh(loan).status == LoanStatus.SERVICED
    assert balance(Account.CASH) == -1_000_000
    assert balance(Account.LOAN_PRINCIPAL, loan=loan) == 1_000_000


def test_a_failure_reported_after_success_is_refused_and_changes_nothing(business_date):
    loan = signed_loan()
    order = disburse(loan)
    before_row, before_book = loan_row(loan), book()

    with pytest.raises(DomainError, match="already reported paid"):
        services.payout_failed(payout_id=order.pk, reason="late news")

    assert loan_row(loan) == before_row
    assert book() == before_book


# --- timeout, polling, repeats ----------------------------------------------------------------


def test_a_gateway_timeout_leaves_the_payout_pending_and_the_money_in_transit(business_date):
    loan = signed_loan()

    order = disburse(loan, outcome="timeout")

    assert order.status == PayoutStatus.PENDING
    assert fresh(loan).status == LoanStatus.DISBURSED
    assert balance(Account.CASH) == -1_000_000
    assert balance(Account.PAYOUTS_IN_TRANSIT) == 1_000_000


def test_polling_settles_a_pending_payout_exactly_once(business_date):
    loan = signed_loan()
    order = disburse(loan, outcome="timeout")

    assert tasks.poll_pending_payouts() == 1
    assert tasks.poll_pending_payouts() == 0

    order.refresh_from_db()
    assert order.status == PayoutStatus.SUCCEEDED
    assert order.gateway_ref.startswith("sbx-")
    assert fresh(loan).status == LoanStatus.SERVICED
    assert JournalEntry.objects.filter(kind="payout_confirmed").count() == 1
    assert balance(Account.PAYOUTS_IN_TRANSIT) == 0
    assert TransitionLog.objects.filter(loan=loan, transition="confirm_payout").count() == 1


def test_sending_a_pending_payout_again_settles_it_once(business_date):
    loan = signed_loan()
    order = disburse(loan, outcome="timeout")

    assert tasks.send_payout(order.pk) == "succeeded"
    assert tasks.send_payout(order.pk) == PayoutStatus.SUCCEEDED
    assert tasks.poll_pending_payouts() == 0

    assert JournalEntry.objects.filter(kind="payout_confirmed").count() == 1
    assert fresh(loan).status == LoanStatus.SERVICED


def test_a_payout_reported_succeeded_twice_changes_nothing_the_second_time(business_date):
    loan = signed_loan()
    order = disburse(loan)
    before_row, before_book = loan_row(loan), book()
    transitions = TransitionLog.objects.count()

    again = services.payout_succeeded(payout_id=order.pk, reference="sbx-again")

    assert again.status == PayoutStatus.SUCCEEDED
    assert again.gateway_ref != "sbx-again"
    assert loan_row(loan) == before_row
    assert book() == before_book
    assert TransitionLog.objects.count() == transitions


def test_a_payout_confirmed_on_a_later_day_starts_the_schedule_that_day(business_date):
    loan = signed_loan()
    order = disburse(loan, outcome="timeout")
    from loans.business_date import set_business_date

    set_business_date(on=business_date + dt.timedelta(days=1))
    tasks.poll_pending_payouts()

    loan = fresh(loan)
    assert order.loan_id == loan.pk
    assert loan.issue_date == loan.accrued_through == dt.date(2026, 11, 3)
    assert loan.schedule_items.get().due_date == dt.date(2026, 12, 3)
