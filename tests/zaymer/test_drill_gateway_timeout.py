"""Payment gateway timeout drill: the gateway takes the payout and its answer is lost.

The payout stays pending with the money in transit; the result then arrives by webhook, by the
poll, by a resent order, in either order and more than once. Whatever the order, the borrower
is paid once (one order, one key at the gateway), the loan goes live once (one confirmation
entry, one transition), nothing stays in transit, and `ledger_check` proves the book.

tests/loans/test_payouts.py covers the poll and the resend alone, tests/clientapi the webhook
alone and ten at once; this drill mixes them.
"""

import pytest
from django.core.management import call_command
from django.test import TestCase
from rest_framework.test import APIClient

from clientapi.models import WebhookEvent
from loans import tasks
from loans.gateway import SandboxGateway
from loans.models import Account, JournalEntry, Loan, PayoutOrder, TransitionLog
from tests.clientapi.conftest import (  # noqa: F401 - _fresh_throttles: autouse fixture
    _fresh_throttles,
    approved_application,
    onboard,
    sign,
    webhook,
)
from tests.loans.helpers import balance
from tests.scoring.conftest import _isolated_scoring  # noqa: F401 - autouse fixture


@pytest.fixture
def borrower(business_date) -> APIClient:
    """A signed-in borrower with a profile, the consents and a bank account."""
    client = APIClient()
    client.ready = onboard(client)
    return client


def timed_out_payout(client) -> PayoutOrder:
    """An application signed; the gateway takes the payout and the answer is lost."""
    loan_id = approved_application(client)["id"]
    SandboxGateway.queue_outcomes("timeout")
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sign(client, loan_id).status_code == 201
    payout = PayoutOrder.objects.get(loan_id=loan_id)
    assert (payout.status, payout.loan.status) == ("pending", "disbursed")
    assert balance(Account.PAYOUTS_IN_TRANSIT) == payout.amount_kop
    return payout


def succeeded(payout: PayoutOrder, event_id: str) -> dict:
    return {
        "event_id": event_id,
        "type": "payout.succeeded",
        "data": {"payout_key": payout.idempotency_key, "reference": f"ref-{event_id}"},
    }


def assert_paid_once(payout: PayoutOrder) -> None:
    loan_id = payout.loan_id
    assert PayoutOrder.objects.filter(loan_id=loan_id).count() == 1
    assert list(SandboxGateway._taken) == [payout.idempotency_key]  # one payout taken
    payout.refresh_from_db()
    assert payout.status == "succeeded"
    assert Loan.objects.get(pk=loan_id).status == "serviced"
    assert Loan.objects.get(pk=loan_id).principal_out_kop == payout.amount_kop
    assert JournalEntry.objects.filter(loan_id=loan_id, kind="payout_confirmed").count() == 1
    assert TransitionLog.objects.filter(loan_id=loan_id, transition="confirm_payout").count() == 1
    assert balance(Account.PAYOUTS_IN_TRANSIT) == 0
    call_command("ledger_check")


def test_webhook_first_then_poll_then_the_webhook_again(borrower):
    payout = timed_out_payout(borrower)

    assert webhook(borrower, succeeded(payout, "evt-1")).json() == {"status": "applied"}
    assert tasks.poll_pending_payouts() == 0  # nothing pending any more
    assert webhook(borrower, succeeded(payout, "evt-1")).json() == {"status": "duplicate"}

    assert_paid_once(payout)
    assert payout.gateway_ref == "ref-evt-1"


def test_poll_first_then_a_late_webhook_and_its_repeat(borrower):
    payout = timed_out_payout(borrower)

    assert tasks.poll_pending_payouts() == 1
    assert tasks.poll_pending_payouts() == 0
    late = succeeded(payout, "evt-late")
    assert webhook(borrower, late).status_code == 200
    assert webhook(borrower, late).json() == {"status": "duplicate"}

    assert_paid_once(payout)
    assert payout.gateway_ref.startswith("sbx-")  # the poll's answer stands
    assert WebhookEvent.objects.filter(event_id="evt-late").count() == 1


def test_a_resent_order_a_webhook_and_a_poll_pay_once(borrower):
    payout = timed_out_payout(borrower)

    # The task is retried (the worker never learnt the answer): the gateway knows the key.
    assert tasks.send_payout(payout.pk) == "succeeded"
    assert webhook(borrower, succeeded(payout, "evt-2")).status_code == 200
    assert tasks.poll_pending_payouts() == 0
    assert tasks.send_payout(payout.pk) == "succeeded"

    assert_paid_once(payout)


@pytest.mark.parametrize("poll_first", [True, False])
def test_a_late_failure_after_the_payout_was_confirmed_changes_nothing(borrower, poll_first):
    payout = timed_out_payout(borrower)
    if poll_first:
        assert tasks.poll_pending_payouts() == 1
    else:
        assert webhook(borrower, succeeded(payout, "evt-3")).status_code == 200

    failed = {
        "event_id": "evt-failed-late",
        "type": "payout.failed",
        "data": {"payout_key": payout.idempotency_key, "reason": "timeout at the bank"},
    }
    answer = webhook(borrower, failed)

    assert 400 <= answer.status_code < 500, answer.json()
    assert "error" in answer.json()
    assert_paid_once(payout)
