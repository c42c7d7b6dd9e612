from django.core.management import call_command

from clientapi.models import PaymentIntent, Signature
from loans.gateway import SandboxGateway
from loans.models import IncomingPayment, Loan, PayoutOrder
from tests.clientapi.conftest import approved_application, sign, webhook


def test_register_apply_sign_payout_repay_in_two_parts_then_closed(borrower_api):
    api = borrower_api
    application = approved_application(api)
    loan_id = application["id"]
    assert application["next_action"] == "sign"
    offer = application["offer"]
    assert offer["psk_percent"] == "292.000"
    assert offer["currency"] == "RUB"
    assert offer["total_kop"] == sum(i["total_kop"] for i in offer["schedule"])

    # The provider takes the payout but its answer comes later, by webhook.
    SandboxGateway.queue_outcomes("timeout")
    signed = sign(api, loan_id)
    assert signed.status_code == 201, signed.json()
    assert signed.json()["application"]["status"] == "disbursed"
    signature = Signature.objects.get(loan_id=loan_id)
    assert signature.document_hash == offer["document_hash"]

    payout = PayoutOrder.objects.get(loan_id=loan_id)
    event = {
        "event_id": "evt-payout-1",
        "type": "payout.succeeded",
        "data": {"payout_key": payout.idempotency_key, "reference": "ref-1"},
    }
    assert webhook(api, event).json() == {"status": "applied"}
    loan = api.get(f"/api/v1/loans/{loan_id}/").json()
    assert loan["status"] == "serviced"
    assert loan["balances"]["principal_kop"] == 1_000_000
    assert loan["schedule"][0]["total_kop"] == offer["total_kop"]
    assert loan["signed_at"].endswith("+03:00")

    quote = api.get(f"/api/v1/loans/{loan_id}/repayment-quote/").json()
    full = quote["full_repayment_kop"]
    first_part = 400_000
    for n, amount in enumerate([first_part, full - first_part], start=1):
        intent = api.post(
            f"/api/v1/loans/{loan_id}/repayments/",
            {"amount_kop": amount},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"repay-{n}",
        )
        assert intent.status_code == 201, intent.json()
        assert intent.json()["confirmation_url"].endswith(intent.json()["payment_id"])
        paid = {
            "event_id": f"evt-pay-{n}",
            "type": "payment.succeeded",
            "data": {"payment_id": intent.json()["payment_id"], "amount_kop": amount},
        }
        assert webhook(api, paid).status_code == 200

    loan = api.get(f"/api/v1/loans/{loan_id}/").json()
    assert loan["status"] == "closed"
    assert loan["balances"]["total_kop"] == 0
    assert [p["amount_kop"] for p in loan["payments"]] == [first_part, full - first_part]
    assert PaymentIntent.objects.filter(loan_id=loan_id, status="paid").count() == 2
    assert IncomingPayment.objects.filter(loan_id=loan_id).count() == 2
    assert Loan.objects.get(pk=loan_id).closed_on is not None
    call_command("ledger_check")


def test_another_borrowers_objects_are_not_found(borrower_api, api_factory):
    owner = borrower_api
    loan_id = approved_application(owner)["id"]
    method_id = owner.ready["payout_method"]

    stranger = api_factory()
    urls = [
        ("get", f"/api/v1/applications/{loan_id}/"),
        ("post", f"/api/v1/applications/{loan_id}/sign-code/"),
        ("post", f"/api/v1/applications/{loan_id}/cancel/"),
        ("get", f"/api/v1/loans/{loan_id}/"),
        ("get", f"/api/v1/loans/{loan_id}/repayment-quote/"),
        ("get", f"/api/v1/loans/{loan_id}/prolongation-quote/?days=10"),
        ("delete", f"/api/v1/payout-methods/{method_id}/"),
    ]
    for method, url in urls:
        answer = getattr(stranger, method)(url)
        assert answer.status_code == 404, (url, answer.json())
        assert answer.json()["error"]["code"] == "not_found"
    signed = stranger.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": "123456"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert signed.status_code == 404
    assert stranger.get("/api/v1/applications/").json() == []
    assert Loan.objects.get(pk=loan_id).status == "approved"


def test_cancel_an_approved_offer(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    answer = borrower_api.post(f"/api/v1/applications/{loan_id}/cancel/")
    assert answer.status_code == 200
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["offer"] is None
    again = borrower_api.post(f"/api/v1/applications/{loan_id}/cancel/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "transition_not_allowed"
