"""The virtual card through the borrower API: the card, draws, statements, repayments, and
the card offer that opens it."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum

from cards import services as cl
from cards.models import (
    CreditLine,
    CreditLineDraw,
    CreditLineRepayment,
    CreditLineStatus,
    CreditLineTransfer,
    DrawKind,
)
from clientapi.models import ClientAccount, IntentStatus, PaymentIntent, WebhookEvent
from feedback import services as feedback_services
from feedback.models import LoyaltyTier, OfferKind, OfferStatus, PersonalOffer
from loans.business_date import set_business_date
from loans.models import Account, JournalEntry, JournalLine
from tests.clientapi.conftest import webhook
from tests.conftest import ISSUE_DATE
from tests.feedback.conftest import closed_loan
from tests.loans.helpers import open_day

DAY = dt.timedelta(days=1)
LIMIT = 3_000_000


def borrower_of(client):
    return ClientAccount.objects.get(phone=client.phone).borrower


@pytest.fixture
def carded(borrower_api):
    borrower_api.line = cl.credit_line_open(
        borrower=borrower_of(borrower_api), limit_kop=LIMIT, daily_rate_ppm=8_000
    )
    return borrower_api


def draw(client, line_id, *, key="draw-1", **body):
    body = {"kind": "purchase", "amount_kop": 100_000, "merchant": "Магазин", **body}
    return client.post(
        f"/api/v1/credit-lines/{line_id}/draws/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def repay(client, line_id, amount_kop, *, key="repay-1"):
    return client.post(
        f"/api/v1/credit-lines/{line_id}/repayments/",
        {"amount_kop": amount_kop},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def paid(intent: dict, *, event_id="evt-card-1", amount_kop=None) -> dict:
    """The provider's event for a paid intent (by default, of the intent's amount)."""
    amount = intent["amount_kop"] if amount_kop is None else amount_kop
    return {
        "event_id": event_id,
        "type": "payment.succeeded",
        "data": {"payment_id": intent["payment_id"], "amount_kop": amount},
    }


def test_the_borrower_sees_their_card_with_limit_available_and_balances(carded):
    assert draw(carded, carded.line.pk).status_code == 201

    [row] = carded.get("/api/v1/credit-lines/").json()
    detail = carded.get(f"/api/v1/credit-lines/{carded.line.pk}/").json()

    assert row["id"] == carded.line.pk
    assert (detail["limit_kop"], detail["available_kop"]) == (LIMIT, LIMIT - 100_000)
    assert (detail["principal_kop"], detail["interest_kop"]) == (100_000, 0)
    assert detail["currency"] == "RUB"
    assert detail["full_repayment_kop"] == 100_000
    assert (detail["next_minimum_payment_kop"], detail["next_due_date"]) == (0, None)


def test_the_next_minimum_payment_and_its_due_date_follow_the_statement(carded):
    draw(carded, carded.line.pk, amount_kop=1_000_000)
    open_day(dt.date(2026, 12, 3))

    detail = carded.get(f"/api/v1/credit-lines/{carded.line.pk}/").json()
    [statement] = carded.get(f"/api/v1/credit-lines/{carded.line.pk}/statements/").json()

    assert statement["minimum_payment_kop"] == 30 * 8_000 + 50_000
    assert detail["next_minimum_payment_kop"] == statement["minimum_payment_kop"]
    assert detail["next_due_date"] == statement["due_date"] == "2026-12-22"


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "statements/"), ("post", "draws/"), ("post", "repayments/")],
)
def test_another_borrowers_card_is_not_found(carded, api_factory, method, suffix):
    stranger = api_factory()
    url = f"/api/v1/credit-lines/{carded.line.pk}/{suffix}"
    body = {"kind": "purchase", "amount_kop": 100, "merchant": "x"}
    if suffix == "repayments/":
        body = {"amount_kop": 100}

    answer = getattr(stranger, method)(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert CreditLineDraw.objects.count() == 0


def test_a_repeated_draw_with_the_same_key_answers_the_first_and_draws_once(carded):
    first = draw(carded, carded.line.pk, key="same")
    again = draw(carded, carded.line.pk, key="same")

    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert CreditLineDraw.objects.count() == 1


def test_a_key_reused_with_another_body_is_refused(carded):
    draw(carded, carded.line.pk, key="same")

    answer = draw(carded, carded.line.pk, key="same", amount_kop=200_000)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "idempotency_key_reused"
    assert CreditLineDraw.objects.count() == 1


def test_a_draw_without_an_idempotency_key_is_refused(carded):
    answer = carded.post(
        f"/api/v1/credit-lines/{carded.line.pk}/draws/",
        {"kind": "purchase", "amount_kop": 100, "merchant": "x"},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "idempotency_key_required"


def test_a_draw_above_the_available_limit_is_refused_in_russian_and_changes_nothing(carded):
    answer = draw(carded, carded.line.pk, amount_kop=LIMIT + 1)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "credit_limit_exceeded"
    assert error["message"] == "Сумма больше доступного лимита карты."
    assert CreditLine.objects.get().principal_out_kop == 0


def test_a_transfer_goes_to_one_of_the_borrowers_payout_methods(carded):
    answer = draw(
        carded,
        carded.line.pk,
        kind="transfer",
        merchant="",
        payout_method=carded.ready["payout_method"],
    )

    assert answer.status_code == 201, answer.json()
    assert answer.json()["transfer_status"] == "sent"
    transfer = CreditLineDraw.objects.get()
    assert transfer.kind == DrawKind.TRANSFER
    assert transfer.payout_reference.endswith(f":{carded.ready['payout_method']}")
    assert transfer.transfer.method == transfer.payout_reference.split(":")[0]


def sent_transfer(client, amount_kop=100_000) -> CreditLineTransfer:
    answer = draw(
        client,
        client.line.pk,
        key=f"transfer-{amount_kop}",
        kind="transfer",
        merchant="",
        amount_kop=amount_kop,
        payout_method=client.ready["payout_method"],
    )
    assert answer.status_code == 201, answer.json()
    return CreditLineTransfer.objects.get(draw_id=answer.json()["id"])


def payout_event(order: CreditLineTransfer, *, succeeded=True, event_id="evt-transfer-1"):
    data = {"payout_key": order.idempotency_key}
    if succeeded:
        return {
            "event_id": event_id,
            "type": "payout.succeeded",
            "data": {**data, "reference": "r1"},
        }
    return {"event_id": event_id, "type": "payout.failed", "data": {**data, "reason": "blocked"}}


def listed_draws(client) -> list[dict]:
    answer = client.get(f"/api/v1/credit-lines/{client.line.pk}/draws/")
    assert answer.status_code == 200
    return answer.json()


def test_the_draw_list_shows_each_transfers_state_and_none_for_a_purchase(carded):
    draw(carded, carded.line.pk)
    order = sent_transfer(carded)

    webhook(carded, payout_event(order))

    states = [(row["kind"], row["transfer_status"]) for row in listed_draws(carded)]
    assert states == [("transfer", "paid"), ("purchase", None)]


def test_a_payout_succeeded_webhook_for_a_transfer_moves_it_to_cash(carded):
    order = sent_transfer(carded)

    answer = webhook(carded, payout_event(order))

    assert answer.json()["status"] == "applied"
    assert CreditLineTransfer.objects.get().status == "paid"
    assert JournalEntry.objects.filter(kind="card_transfer_paid").count() == 1
    assert CreditLine.objects.get().principal_out_kop == 100_000
    call_command("ledger_check")


def test_a_payout_failed_webhook_reverses_the_transfer_and_the_card_owes_nothing(carded):
    order = sent_transfer(carded)

    webhook(carded, payout_event(order, succeeded=False))

    [row] = listed_draws(carded)
    assert (row["transfer_status"], row["transfer_failure_reason"]) == ("failed", "blocked")
    card = carded.get(f"/api/v1/credit-lines/{carded.line.pk}/").json()
    assert (card["debt_kop"], card["available_kop"]) == (0, LIMIT)
    call_command("ledger_check")


def test_a_transfer_result_delivered_again_has_one_effect(carded):
    order = sent_transfer(carded)
    failed = payout_event(order, succeeded=False)

    answers = [webhook(carded, failed).json()["status"] for _ in range(3)]
    again = webhook(carded, {**failed, "event_id": "evt-transfer-2"})

    assert answers == ["applied", "duplicate", "duplicate"]
    assert again.json()["status"] == "applied"
    assert JournalEntry.objects.filter(kind="card_draw_reversal").count() == 1
    assert CreditLine.objects.get().principal_out_kop == 0


@pytest.mark.parametrize("key", ["card-transfer-999999", "card-transfer-x", "payout-999999-1"])
def test_a_payout_webhook_for_an_unknown_key_is_refused_with_422(carded, key):
    sent_transfer(carded)
    event = {"event_id": "evt-unknown", "type": "payout.failed", "data": {"payout_key": key}}

    answer = webhook(carded, event)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unknown_payout"
    assert CreditLineTransfer.objects.get().status == "sent"
    assert not WebhookEvent.objects.filter(event_id="evt-unknown").exists()


def test_a_transfer_to_someone_elses_payout_method_is_refused(carded, api_factory):
    stranger = api_factory()

    answer = draw(
        carded, carded.line.pk, kind="transfer", payout_method=stranger.ready["payout_method"]
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_payment_details"
    assert CreditLineDraw.objects.count() == 0


def test_a_purchase_without_a_merchant_is_refused(carded):
    answer = draw(carded, carded.line.pk, merchant="")

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "merchant"


# --- repayments through the payment provider --------------------------------------------------


def test_a_repayment_starts_a_pending_intent_and_changes_nothing_on_the_card(carded):
    draw(carded, carded.line.pk)

    answer = repay(carded, carded.line.pk, 60_000)

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    intent = PaymentIntent.objects.get()
    assert body["payment_id"] == str(intent.pk)
    assert (body["credit_line"], body["loan"]) == (carded.line.pk, None)
    assert (body["purpose"], body["amount_kop"], body["currency"]) == ("repayment", 60_000, "RUB")
    assert body["status"] == IntentStatus.PENDING
    assert body["confirmation_url"].endswith(str(intent.pk))
    assert not CreditLineRepayment.objects.exists()
    assert CreditLine.objects.get().principal_out_kop == 100_000


def test_the_paid_webhook_repays_the_card_interest_first_and_the_book_holds(carded):
    draw(carded, carded.line.pk, amount_kop=1_000_000)
    open_day(ISSUE_DATE + 2 * DAY)  # one day accrued; the payment day adds another
    intent = repay(carded, carded.line.pk, 20_000).json()

    answer = webhook(carded, paid(intent))

    assert (answer.status_code, answer.json()) == (200, {"status": "applied"})
    payment = CreditLineRepayment.objects.get()
    assert (payment.provider, payment.event_id) == ("sandbox", "evt-card-1")
    assert (payment.interest_kop, payment.principal_kop) == (16_000, 4_000)
    line = CreditLine.objects.get()
    assert (line.principal_out_kop, line.interest_out_kop) == (996_000, 0)
    assert JournalEntry.objects.filter(kind="card_repayment", credit_line_id=line.pk).count() == 1
    assert PaymentIntent.objects.get().status == IntentStatus.PAID
    call_command("ledger_check")


def test_the_same_card_payment_webhook_ten_times_repays_once(carded):
    draw(carded, carded.line.pk)
    intent = repay(carded, carded.line.pk, 30_000).json()

    answers = [webhook(carded, paid(intent)).json()["status"] for _ in range(10)]

    assert answers == ["applied"] + ["duplicate"] * 9
    assert CreditLineRepayment.objects.count() == 1
    assert CreditLine.objects.get().principal_out_kop == 70_000


def test_a_second_event_for_a_card_intent_already_paid_is_booked_too(carded):
    # The provider collected the money twice: it is never refused (issue 14).
    draw(carded, carded.line.pk)
    intent = repay(carded, carded.line.pk, 30_000).json()
    webhook(carded, paid(intent))

    answer = webhook(carded, paid(intent, event_id="evt-card-2"))

    assert answer.status_code == 200
    assert answer.json()["status"] == "applied"
    assert CreditLineRepayment.objects.count() == 2
    assert CreditLine.objects.get().principal_out_kop == 40_000


def test_the_amount_paid_is_applied_when_it_differs_from_the_card_intent(carded):
    draw(carded, carded.line.pk)
    intent = repay(carded, carded.line.pk, 30_000).json()

    webhook(carded, paid(intent, amount_kop=10_000))

    assert CreditLineRepayment.objects.get().amount_kop == 10_000
    assert CreditLine.objects.get().principal_out_kop == 90_000
    assert PaymentIntent.objects.get().status == IntentStatus.PAID


def _owed_back_kop() -> int:
    lines = JournalLine.objects.filter(account=Account.CARD_REFUND_DUE)
    return -lines.aggregate(s=Sum("amount_kop"))["s"]


def test_a_card_payment_above_the_debt_repays_it_and_owes_the_rest_back(carded):
    draw(carded, carded.line.pk)
    intent = repay(carded, carded.line.pk, 100_000).json()

    answer = webhook(carded, paid(intent, amount_kop=100_250))

    assert answer.status_code == 200
    assert CreditLineRepayment.objects.get().amount_kop == 100_000
    assert CreditLine.objects.get().debt_kop == 0
    owed = JournalLine.objects.filter(account=Account.CARD_REFUND_DUE).aggregate(
        s=Sum("amount_kop")
    )
    assert owed["s"] == -250
    assert PaymentIntent.objects.get().status == IntentStatus.PAID
    call_command("ledger_check")


def test_a_card_payment_arriving_after_the_card_was_closed_is_owed_back_whole(carded):
    draw(carded, carded.line.pk)
    intent = repay(carded, carded.line.pk, 5_000).json()
    cl.credit_line_repay(
        credit_line=carded.line, amount_kop=100_000, provider="counter", event_id="cash-1"
    )
    cl.credit_line_close(credit_line=carded.line)

    answer = webhook(carded, paid(intent, amount_kop=5_000))

    assert answer.status_code == 200
    assert CreditLineRepayment.objects.count() == 1  # the one made at the counter
    owed = JournalLine.objects.filter(account=Account.CARD_REFUND_DUE).aggregate(
        s=Sum("amount_kop")
    )
    assert owed["s"] == -5_000
    call_command("ledger_check")


def test_a_webhook_for_an_unknown_payment_intent_is_refused_with_422(carded):
    draw(carded, carded.line.pk)
    unknown = {"payment_id": "0" * 32, "amount_kop": 100}

    answer = webhook(carded, paid(unknown))

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "unknown_payment"
    assert not CreditLineRepayment.objects.exists()
    assert not WebhookEvent.objects.filter(event_id="evt-card-1").exists()


def test_a_repayment_above_the_whole_debt_is_refused_and_writes_nothing(carded):
    draw(carded, carded.line.pk)

    answer = repay(carded, carded.line.pk, 100_001)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "amount_above_debt"
    assert answer.json()["error"]["field"] == "amount_kop"
    assert not PaymentIntent.objects.exists()
    assert not CreditLineRepayment.objects.exists()


@pytest.mark.parametrize("amount_kop", [0, -100])
def test_a_repayment_of_nothing_or_less_is_refused_and_writes_nothing(carded, amount_kop):
    draw(carded, carded.line.pk)

    answer = repay(carded, carded.line.pk, amount_kop)

    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "amount_kop"
    assert not PaymentIntent.objects.exists()


def test_payments_started_and_not_yet_paid_count_against_the_debt(carded):
    draw(carded, carded.line.pk)
    assert repay(carded, carded.line.pk, 60_000, key="first").status_code == 201

    answer = repay(carded, carded.line.pk, 40_001, key="second")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "amount_above_debt"
    assert PaymentIntent.objects.count() == 1


def test_a_closed_card_refuses_a_repayment(carded):
    cl.credit_line_close(credit_line=carded.line)

    answer = repay(carded, carded.line.pk, 100)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "credit_line_closed"
    assert CreditLine.objects.get().status == CreditLineStatus.CLOSED
    assert not PaymentIntent.objects.exists()


def test_a_repayment_on_another_borrowers_card_is_not_found_and_writes_nothing(carded, api_factory):
    draw(carded, carded.line.pk)

    answer = repay(api_factory(), carded.line.pk, 100)

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert not PaymentIntent.objects.exists()


def test_a_repeated_repayment_command_answers_the_first_intent(carded):
    draw(carded, carded.line.pk)

    first = repay(carded, carded.line.pk, 30_000, key="same")
    again = repay(carded, carded.line.pk, 30_000, key="same")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert PaymentIntent.objects.count() == 1


def test_a_repayment_without_an_idempotency_key_is_refused(carded):
    draw(carded, carded.line.pk)

    answer = carded.post(
        f"/api/v1/credit-lines/{carded.line.pk}/repayments/", {"amount_kop": 100}, format="json"
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "idempotency_key_required"
    assert not PaymentIntent.objects.exists()


# --- the card offer --------------------------------------------------------------------------


@pytest.fixture
def card_offered(borrower_api):
    """A repeat borrower in a tier that gives the card (and no loan offer)."""
    LoyaltyTier.objects.all().delete()
    LoyaltyTier.objects.create(
        code="card",
        name="Card",
        rank=1,
        min_loans_repaid=1,
        max_days_past_due=60,
        credit_line_limit_kop=2_000_000,
        credit_line_daily_rate_ppm=6_000,
    )
    borrower = borrower_of(borrower_api)
    closed_loan(on=ISSUE_DATE - 20 * DAY, borrower=borrower)
    set_business_date(on=ISSUE_DATE)
    assert feedback_services.offers_generate(borrower=borrower) is None  # no loan offer
    borrower_api.offer = PersonalOffer.objects.get(borrower=borrower, status=OfferStatus.ACTIVE)
    return borrower_api


def open_card(client, offer_id, *, key="open-1"):
    return client.post(f"/api/v1/offers/{offer_id}/credit-line/", HTTP_IDEMPOTENCY_KEY=key)


def test_a_tier_with_a_card_offers_the_card_and_the_api_lists_it(card_offered):
    [row] = card_offered.get("/api/v1/offers/").json()

    assert row["kind"] == OfferKind.CREDIT_LINE
    assert (row["product"], row["amount_limit_kop"], row["daily_rate_ppm"]) == (
        None,
        2_000_000,
        6_000,
    )


def test_accepting_a_card_offer_opens_the_card_on_its_terms(card_offered):
    answer = open_card(card_offered, card_offered.offer.pk)

    assert answer.status_code == 201, answer.json()
    line = CreditLine.objects.get(pk=answer.json()["id"])
    assert (line.limit_kop, line.daily_rate_ppm) == (2_000_000, 6_000)
    assert line.borrower == borrower_of(card_offered)
    offer = PersonalOffer.objects.get(pk=card_offered.offer.pk)
    assert (offer.status, offer.credit_line) == (OfferStatus.ACCEPTED, line)


def test_someone_elses_card_offer_is_not_found(card_offered, api_factory):
    answer = open_card(api_factory(), card_offered.offer.pk)

    assert answer.status_code == 404
    assert CreditLine.objects.count() == 0


def test_an_expired_card_offer_is_refused_and_opens_nothing(card_offered):
    set_business_date(on=card_offered.offer.valid_until + DAY)

    answer = open_card(card_offered, card_offered.offer.pk)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "offer_not_available"
    assert CreditLine.objects.count() == 0


def test_a_card_offer_cannot_be_taken_as_a_loan(card_offered):
    body = {
        "amount_kop": 1_000_000,
        "term_days": 30,
        "payout_method": card_offered.ready["payout_method"],
    }
    answer = card_offered.post(
        f"/api/v1/offers/{card_offered.offer.pk}/accept/",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY="accept-1",
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "offer_not_available"
