import datetime as dt

from clientapi.models import IdempotencyRecord, OneTimeCode, Signature, WebhookEvent
from loans.business_date import set_business_date
from loans.models import BorrowerMessage, IncomingPayment, Loan, PayoutOrder
from tests.clientapi.conftest import approved_application, live_loan, sign, webhook


def _repayment(api, loan_id, amount, key="r-1"):
    return api.post(
        f"/api/v1/loans/{loan_id}/repayments/",
        {"amount_kop": amount},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_same_webhook_ten_times_has_one_effect(borrower_api):
    loan_id = live_loan(borrower_api)
    intent = _repayment(borrower_api, loan_id, 300_000).json()
    event = {
        "event_id": "evt-1",
        "type": "payment.succeeded",
        "data": {"payment_id": intent["payment_id"], "amount_kop": 300_000},
    }
    answers = [webhook(borrower_api, event).json()["status"] for _ in range(10)]
    assert answers == ["applied"] + ["duplicate"] * 9
    assert IncomingPayment.objects.filter(loan_id=loan_id).count() == 1
    assert Loan.objects.get(pk=loan_id).principal_out_kop < 1_000_000


def test_bad_signature_and_bad_events_change_nothing(borrower_api):
    loan_id = live_loan(borrower_api)
    intent = _repayment(borrower_api, loan_id, 300_000).json()
    event = {
        "event_id": "evt-2",
        "type": "payment.succeeded",
        "data": {"payment_id": intent["payment_id"], "amount_kop": 300_000},
    }
    forged = webhook(borrower_api, event, secret="guess")
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "bad_signature"
    unknown = {**event, "data": {**event["data"], "payment_id": "0" * 32}}
    assert webhook(borrower_api, unknown).json()["error"]["code"] == "unknown_payment"
    bad_payout = {"event_id": "e3", "type": "payout.failed", "data": {"payout_key": "x"}}
    assert webhook(borrower_api, bad_payout).status_code == 422
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == [f"payout-ok-{loan_id}"]
    assert not IncomingPayment.objects.exists()


def test_failed_payout_webhook_then_retry_to_another_method(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    sign(borrower_api, loan_id)
    payout = PayoutOrder.objects.get(loan_id=loan_id)
    failed = {
        "event_id": "evt-f",
        "type": "payout.failed",
        "data": {"payout_key": payout.idempotency_key, "reason": "card blocked"},
    }
    assert webhook(borrower_api, failed).json()["status"] == "applied"
    application = borrower_api.get(f"/api/v1/applications/{loan_id}/").json()
    assert application["next_action"] == "choose_payout"
    retry = borrower_api.post(
        f"/api/v1/applications/{loan_id}/payout/",
        {"payout_method": borrower_api.ready["payout_method"]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="retry-1",
    )
    assert retry.status_code == 201, retry.json()
    assert retry.json()["attempt"] == 2
    assert Loan.objects.get(pk=loan_id).status == "disbursed"


def test_idempotency_key_same_body_replays_other_body_refused_in_flight_conflicts(borrower_api):
    loan_id = live_loan(borrower_api)
    first = _repayment(borrower_api, loan_id, 100_000, key="same")
    again = _repayment(borrower_api, loan_id, 100_000, key="same")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = _repayment(borrower_api, loan_id, 200_000, key="same")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    missing = borrower_api.post(
        f"/api/v1/loans/{loan_id}/repayments/", {"amount_kop": 1}, format="json"
    )
    assert missing.json()["error"]["code"] == "idempotency_key_required"

    record = IdempotencyRecord.objects.get(key="same")
    IdempotencyRecord.objects.create(
        account=record.account, key="busy", request_hash=_hash_of(borrower_api, loan_id, 5)
    )
    busy = _repayment(borrower_api, loan_id, 5, key="busy")
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "request_in_progress"


def _hash_of(api, loan_id, amount) -> str:
    """The hash the server computes, taken from a throw-away key."""
    _repayment(api, loan_id, amount, key="probe")
    return IdempotencyRecord.objects.get(key="probe").request_hash


def test_signing_twice_with_one_key_signs_once(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    first = sign(borrower_api, loan_id, key="k")
    code = Signature.objects.get(loan_id=loan_id).code
    again = borrower_api.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": code},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert PayoutOrder.objects.filter(loan_id=loan_id).count() == 1


def test_the_signing_code_goes_to_the_borrowers_outbox(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    message = BorrowerMessage.objects.filter(phone=borrower_api.phone).latest("pk")
    assert (message.kind, message.status) == ("code_sign_offer", "queued")
    assert message.borrower == Loan.objects.get(pk=loan_id).borrower
    assert f"№{loan_id}" in message.body


def test_wrong_sign_code_is_refused_and_counted(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/")
    answer = borrower_api.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": "999999"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="w",
    )
    if answer.status_code == 201:  # one chance in a million the guess is right
        return
    assert answer.json()["error"]["code"] == "invalid_code"
    assert OneTimeCode.objects.get(loan_id=loan_id).attempts == 1
    assert Loan.objects.get(pk=loan_id).signed_at is None


def test_prolongation_quote_and_confirmation(borrower_api, business_date):
    loan_id = live_loan(borrower_api)
    free = borrower_api.post(
        f"/api/v1/loans/{loan_id}/prolongations/",
        {"days": 14},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p0",
    )
    assert free.json()["error"]["code"] == "prolongation_not_due"
    set_business_date(on=business_date + dt.timedelta(days=10))
    quote = borrower_api.get(f"/api/v1/loans/{loan_id}/prolongation-quote/?days=14")
    assert quote.status_code == 200, quote.json()
    short = borrower_api.get(f"/api/v1/loans/{loan_id}/prolongation-quote/?days=2")
    assert short.json()["error"]["code"] == "invalid_prolongation_days"
    intent = borrower_api.post(
        f"/api/v1/loans/{loan_id}/prolongations/",
        {"days": 14},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p",
    ).json()
    assert intent["amount_kop"] == quote.json()["pay_kop"] > 0
    due_before = Loan.objects.get(pk=loan_id).maturity_date
    paid = {
        "event_id": "evt-p",
        "type": "payment.succeeded",
        "data": {"payment_id": intent["payment_id"], "amount_kop": intent["amount_kop"]},
    }
    assert webhook(borrower_api, paid).status_code == 200
    loan = Loan.objects.get(pk=loan_id)
    assert loan.prolongations == 1
    assert loan.maturity_date > due_before
