"""Money the provider has collected is never refused: every `payment.succeeded` is booked once
by its event id and answered 2xx, whatever happened to the loan or the intent meanwhile."""

from django.core.management import call_command

from clientapi.models import IntentStatus, PaymentIntent
from loans import services as loan_services
from loans.models import IncomingPayment, Loan, LoanStatus
from tests.clientapi.conftest import live_loan, webhook


def _repayment(api, loan_id, amount, key):
    return api.post(
        f"/api/v1/loans/{loan_id}/repayments/",
        {"amount_kop": amount},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def _paid(intent_id, amount, event_id):
    return {
        "event_id": event_id,
        "type": "payment.succeeded",
        "data": {"payment_id": intent_id, "amount_kop": amount},
    }


def _debt(api, loan_id) -> int:
    return api.get(f"/api/v1/loans/{loan_id}/repayment-quote/").json()["full_repayment_kop"]


def test_a_second_repayment_for_the_whole_debt_is_refused_when_the_first_is_pending(borrower_api):
    loan_id = live_loan(borrower_api)
    debt = _debt(borrower_api, loan_id)
    assert _repayment(borrower_api, loan_id, debt, key="one").status_code == 201

    second = _repayment(borrower_api, loan_id, debt, key="two")

    assert second.status_code == 400
    assert second.json()["error"]["code"] == "amount_above_debt"
    assert "начатых" in second.json()["error"]["message"]
    assert PaymentIntent.objects.filter(loan_id=loan_id).count() == 1


def test_money_collected_twice_for_one_intent_is_held_as_overpayment(borrower_api):
    loan_id = live_loan(borrower_api)
    debt = _debt(borrower_api, loan_id)
    intent = _repayment(borrower_api, loan_id, debt, key="one").json()["payment_id"]

    first = webhook(borrower_api, _paid(intent, debt, "evt-a"))
    second = webhook(borrower_api, _paid(intent, debt, "evt-b"))

    assert first.status_code == second.status_code == 200
    assert second.json()["status"] == "applied"
    loan = Loan.objects.get(pk=loan_id)
    assert loan.status == LoanStatus.CLOSED
    assert loan.overpayment_kop == debt
    assert IncomingPayment.objects.filter(loan_id=loan_id).count() == 2


def test_money_arriving_after_the_loan_closed_another_way_is_booked_and_held(borrower_api):
    loan_id = live_loan(borrower_api)
    debt = _debt(borrower_api, loan_id)
    first = _repayment(borrower_api, loan_id, debt // 2, key="one").json()["payment_id"]
    second = _repayment(borrower_api, loan_id, debt - debt // 2, key="two").json()["payment_id"]
    loan_services.loan_repay(
        loan=Loan.objects.get(pk=loan_id), amount_kop=debt, provider="bank", event_id="wire-1"
    )

    answers = [
        webhook(borrower_api, _paid(first, debt // 2, "evt-1")),
        webhook(borrower_api, _paid(second, debt - debt // 2, "evt-2")),
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert Loan.objects.get(pk=loan_id).overpayment_kop == debt
    assert set(PaymentIntent.objects.values_list("status", flat=True)) == {IntentStatus.PAID}


def test_money_for_a_written_off_loan_is_held_for_the_borrower(borrower_api):
    loan_id = live_loan(borrower_api)
    intent = _repayment(borrower_api, loan_id, 50_000, key="one").json()["payment_id"]
    loan = Loan.objects.get(pk=loan_id)
    Loan.objects.filter(pk=loan_id).update(status=LoanStatus.OVERDUE)
    loan_services.loan_write_off(loan=loan, reason="sold to a collection agency")

    answer = webhook(borrower_api, _paid(intent, 50_000, "evt-w"))

    assert answer.status_code == 200
    loan.refresh_from_db()
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert loan.overpayment_kop == 50_000
    payment = IncomingPayment.objects.get(event_id="evt-w")
    assert payment.allocation["overpayment_kop"] == 50_000


def test_a_redelivered_payment_for_a_closed_loan_is_booked_once(borrower_api):
    loan_id = live_loan(borrower_api)
    debt = _debt(borrower_api, loan_id)
    intent = _repayment(borrower_api, loan_id, debt, key="one").json()["payment_id"]
    webhook(borrower_api, _paid(intent, debt, "evt-a"))

    answers = [webhook(borrower_api, _paid(intent, debt, "evt-b")).json() for _ in range(3)]

    assert [a["status"] for a in answers] == ["applied", "duplicate", "duplicate"]
    assert Loan.objects.get(pk=loan_id).overpayment_kop == debt


def test_the_book_balances_after_money_for_a_closed_loan(borrower_api):
    loan_id = live_loan(borrower_api)
    debt = _debt(borrower_api, loan_id)
    intent = _repayment(borrower_api, loan_id, debt, key="one").json()["payment_id"]
    webhook(borrower_api, _paid(intent, debt, "evt-a"))
    webhook(borrower_api, _paid(intent, 12_345, "evt-b"))

    call_command("ledger_check")

    loan = Loan.objects.get(pk=loan_id)
    assert loan.overpayment_kop == 12_345
    assert loan_services.loan_refund_overpayment(loan=loan) == 12_345


def test_a_payment_in_another_currency_is_refused_and_books_nothing(borrower_api):
    loan_id = live_loan(borrower_api)
    intent = _repayment(borrower_api, loan_id, 50_000, key="one").json()["payment_id"]
    event = _paid(intent, 50_000, "evt-usd")
    event["data"]["currency"] = "USD"

    answer = webhook(borrower_api, event)

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "data.currency"
    assert not IncomingPayment.objects.filter(event_id="evt-usd").exists()


def test_a_payment_of_zero_or_less_is_refused_and_books_nothing(borrower_api):
    loan_id = live_loan(borrower_api)
    intent = _repayment(borrower_api, loan_id, 50_000, key="one").json()["payment_id"]

    answers = [webhook(borrower_api, _paid(intent, amount, f"evt-{amount}")) for amount in (0, -5)]

    assert [a.status_code for a in answers] == [400, 400]
    assert not IncomingPayment.objects.filter(loan_id=loan_id).exists()
