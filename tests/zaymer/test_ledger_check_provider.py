"""ledger_check proves the provider's side too: every payment it reported is booked, every
payout the gateway confirmed has its confirmation entry."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cards import services as credit_lines
from cards.models import CreditLineTransfer, DrawKind, TransferStatus
from clientapi.models import WebhookEvent
from loans.gateway import SandboxGateway
from loans.models import PayoutMethod, PayoutOrder, PayoutStatus
from tests.factories import DEMO_BIK, BorrowerFactory, live_loan, valid_account


def test_a_reported_payment_that_is_not_booked_fails_ledger_check_naming_it(business_date):
    WebhookEvent.objects.create(
        provider="sandbox",
        event_id="evt-lost",
        event_type="payment.succeeded",
        payload={"data": {"payment_id": "0" * 32, "amount_kop": 10_000}},
    )

    with pytest.raises(CommandError, match="sandbox:evt-lost"):
        call_command("ledger_check", stdout=io.StringIO())


def test_a_payout_event_is_not_taken_for_a_payment(business_date):
    WebhookEvent.objects.create(
        provider="sandbox",
        event_id="evt-payout",
        event_type="payout.failed",
        payload={"data": {"payout_key": "payout-1-1"}},
    )

    call_command("ledger_check", stdout=io.StringIO())


def test_a_confirmed_payout_without_its_entry_fails_ledger_check_naming_it(business_date):
    loan = live_loan()  # the payout task waits for a commit that never comes: still sent
    order = PayoutOrder.objects.get(loan=loan)
    PayoutOrder.objects.filter(pk=order.pk).update(status=PayoutStatus.SUCCEEDED)

    with pytest.raises(CommandError, match=order.idempotency_key):
        call_command("ledger_check", stdout=io.StringIO())


def test_a_paid_card_transfer_without_its_entry_fails_ledger_check_naming_it(business_date):
    line = credit_lines.credit_line_open(
        borrower=BorrowerFactory(), limit_kop=3_000_000, daily_rate_ppm=5_000
    )
    SandboxGateway.reset()
    draw = credit_lines.credit_line_draw(
        credit_line=line,
        kind=DrawKind.TRANSFER,
        amount_kop=200_000,
        idempotency_key="transfer-1",
        payout_reference="bank_account:1",
        payout_method=PayoutMethod.BANK_ACCOUNT,
        payout_destination={"account": valid_account(), "bik": DEMO_BIK},
    )
    CreditLineTransfer.objects.filter(draw=draw).update(status=TransferStatus.PAID)

    with pytest.raises(CommandError, match=f"card-transfer-{draw.transfer.pk}"):
        call_command("ledger_check", stdout=io.StringIO())
