"""The same signed webhook delivered ten times at once, from threads: one effect, every
delivery answered 2xx. Each thread has its own database connection, as each worker would."""

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from cards import services as credit_lines
from cards.models import CreditLine, CreditLineRepayment
from clientapi.models import ClientAccount, PaymentIntent, WebhookEvent
from loans.gateway import SandboxGateway
from loans.models import IncomingPayment, JournalEntry, Loan, PayoutOrder, TransitionLog
from tests.clientapi.conftest import approved_application, live_loan, sign, signed_event

DELIVERIES = 10

pytestmark = [
    # serialized_rollback: the seeded rows (limits, regions) come back after a flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite's test database is in memory with a shared cache, where a second writer "
        "fails at once with 'database table is locked' instead of waiting, and SQLite runs one "
        "writer at a time anyway; PostgreSQL runs this test (DATABASE_URL).",
    ),
]


def deliver_at_once(event: dict) -> list[tuple[int, dict]]:
    body, signature = signed_event(event)
    start = threading.Barrier(DELIVERIES)
    answers: list[tuple[int, dict] | None] = [None] * DELIVERIES

    def deliver(i: int) -> None:
        try:
            client = APIClient()
            start.wait(timeout=30)
            answer = client.post(
                "/api/v1/webhooks/payments/",
                body,
                content_type="application/json",
                HTTP_X_SIGNATURE=signature,
            )
            answers[i] = (answer.status_code, answer.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(DELIVERIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def _statuses(answers) -> list[str]:
    assert all(answer is not None and answer[0] == 200 for answer in answers), answers
    return sorted(body["status"] for _, body in answers)


def test_a_payout_result_delivered_ten_times_at_once_confirms_once(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    SandboxGateway.queue_outcomes("timeout")  # the gateway's own answer is lost: pending
    assert sign(borrower_api, loan_id).status_code == 201
    payout = PayoutOrder.objects.get(loan_id=loan_id)
    assert (payout.status, Loan.objects.get(pk=loan_id).status) == ("pending", "disbursed")
    event = {
        "event_id": f"payout-ok-{loan_id}",
        "type": "payout.succeeded",
        "data": {"payout_key": payout.idempotency_key, "reference": "sbx-1"},
    }

    answers = deliver_at_once(event)

    assert _statuses(answers) == ["applied"] + ["duplicate"] * (DELIVERIES - 1)
    assert Loan.objects.get(pk=loan_id).status == "serviced"
    assert TransitionLog.objects.filter(loan_id=loan_id, transition="confirm_payout").count() == 1
    assert JournalEntry.objects.filter(loan_id=loan_id, kind="payout_confirmed").count() == 1
    assert WebhookEvent.objects.filter(event_id=event["event_id"]).count() == 1


def _paid_repayment(client, repayments_url: str, amount_kop: int, event_id: str) -> dict:
    """Start a repayment through the API; the provider's event that it was paid."""
    intent = client.post(
        repayments_url, {"amount_kop": amount_kop}, format="json", HTTP_IDEMPOTENCY_KEY="r-1"
    ).json()
    return {
        "event_id": event_id,
        "type": "payment.succeeded",
        "data": {"payment_id": intent["payment_id"], "amount_kop": amount_kop},
    }


def test_a_payment_delivered_ten_times_at_once_is_applied_once(borrower_api):
    loan_id = live_loan(borrower_api)
    event = _paid_repayment(
        borrower_api, f"/api/v1/loans/{loan_id}/repayments/", 300_000, "evt-concurrent"
    )

    answers = deliver_at_once(event)

    assert _statuses(answers) == ["applied"] + ["duplicate"] * (DELIVERIES - 1)
    assert IncomingPayment.objects.filter(loan_id=loan_id).count() == 1
    assert JournalEntry.objects.filter(loan_id=loan_id, kind="repayment").count() == 1
    assert Loan.objects.get(pk=loan_id).principal_out_kop < 1_000_000
    assert WebhookEvent.objects.filter(event_id=event["event_id"]).count() == 1


def test_a_card_payment_delivered_ten_times_at_once_is_applied_once(borrower_api):
    borrower = ClientAccount.objects.get(phone=borrower_api.phone).borrower
    line = credit_lines.credit_line_open(
        borrower=borrower, limit_kop=1_000_000, daily_rate_ppm=8_000
    )
    credit_lines.credit_line_draw(
        credit_line=line, kind="purchase", amount_kop=500_000, idempotency_key="d-1", merchant="x"
    )
    event = _paid_repayment(
        borrower_api, f"/api/v1/credit-lines/{line.pk}/repayments/", 200_000, "evt-card-concurrent"
    )

    answers = deliver_at_once(event)

    assert _statuses(answers) == ["applied"] + ["duplicate"] * (DELIVERIES - 1)
    assert CreditLineRepayment.objects.filter(credit_line=line).count() == 1
    assert JournalEntry.objects.filter(credit_line_id=line.pk, kind="card_repayment").count() == 1
    assert CreditLine.objects.get(pk=line.pk).principal_out_kop == 300_000
    assert PaymentIntent.objects.get(pk=event["data"]["payment_id"]).status == "paid"
    assert WebhookEvent.objects.filter(event_id=event["event_id"]).count() == 1
