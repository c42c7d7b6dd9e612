"""The sandbox provider remembers what it paid: its record outlives its memory, and its
settlement report lists what it took and nothing it refused."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from loans import services, tasks
from loans.business_date import set_business_date
from loans.gateway import SandboxGateway
from loans.models import LoanStatus, PayoutOrder, PayoutStatus
from tests.factories import DEMO_BIK, signed_loan, valid_account

HEADER = ["event_id", "kind", "amount_kop", "currency", "date", "our_reference"]


@pytest.fixture
def today(db):
    on = timezone.localdate()
    set_business_date(on=on)
    return on


@pytest.fixture
def disbursed(today, django_capture_on_commit_callbacks):
    """A loan paid out through the sandbox, which answers `outcome`."""

    def make(outcome: str) -> PayoutOrder:
        loan = signed_loan()
        SandboxGateway.queue_outcomes(outcome)
        with django_capture_on_commit_callbacks(execute=True):
            services.loan_disburse(
                loan=loan,
                method="bank_account",
                destination={"account": valid_account(), "bik": DEMO_BIK},
            )
        return PayoutOrder.objects.get(loan=loan)

    return make


def statement_rows(on) -> list[list[str]]:
    out = io.StringIO()
    call_command("sandbox_statement", on=on, stdout=out, stderr=io.StringIO())
    return [line.split(",") for line in out.getvalue().splitlines()]


def test_a_payout_taken_with_its_answer_lost_is_on_the_statement(today, disbursed):
    order = disbursed("timeout")
    assert order.status == PayoutStatus.PENDING

    _header, *rows = statement_rows(today)

    assert [(r[1], r[2], r[5]) for r in rows] == [
        ("payout", str(order.amount_kop), order.idempotency_key)
    ]


def test_a_payout_the_gateway_refused_is_not_on_the_statement(today, disbursed):
    assert disbursed("fail").status == PayoutStatus.FAILED

    assert statement_rows(today) == [HEADER]


def test_the_sandbox_answers_a_poll_for_a_payout_it_took_before_its_memory_was_lost(disbursed):
    order = disbursed("timeout")
    SandboxGateway.reset()  # another process: a restarted worker asks

    assert tasks.poll_pending_payouts() == 1

    order.refresh_from_db()
    assert order.status == PayoutStatus.SUCCEEDED
    assert order.loan.status == LoanStatus.SERVICED


def test_a_quiet_day_has_only_the_header(today):
    assert statement_rows(today) == [HEADER]


def test_the_statement_refuses_a_date_that_is_not_one(db):
    with pytest.raises(CommandError, match="2026-13-01"):
        call_command("sandbox_statement", "--on", "2026-13-01")
