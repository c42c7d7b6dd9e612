"""The virtual card through the borrower API: the card, draws, statements, repayments, and
the card offer that opens it."""

import datetime as dt

import pytest

from clientapi.models import ClientAccount
from feedback import services as feedback_services
from feedback.models import LoyaltyTier, OfferKind, OfferStatus, PersonalOffer
from loans import credit_lines as cl
from loans.business_date import set_business_date
from loans.models import CreditLine, CreditLineDraw, CreditLineRepayment, DrawKind
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
    transfer = CreditLineDraw.objects.get()
    assert transfer.kind == DrawKind.TRANSFER
    assert transfer.payout_reference.endswith(f":{carded.ready['payout_method']}")


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


def test_a_repayment_pays_interest_first_and_a_repeat_pays_once(carded):
    draw(carded, carded.line.pk, amount_kop=1_000_000)
    open_day(ISSUE_DATE + 2 * DAY)  # one day accrued; the payment day adds another

    first = repay(carded, carded.line.pk, 20_000)
    again = repay(carded, carded.line.pk, 20_000)

    assert first.status_code == again.status_code == 201
    assert (first.json()["interest_kop"], first.json()["principal_kop"]) == (16_000, 4_000)
    assert CreditLineRepayment.objects.count() == 1


def test_a_repayment_above_the_debt_is_refused(carded):
    draw(carded, carded.line.pk)

    answer = repay(carded, carded.line.pk, 100_001)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "amount_above_debt"


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
