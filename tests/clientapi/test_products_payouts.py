import logging

from clientapi.models import PayoutDestination
from loans.models import Loan
from loans.psk import psk_for_schedule
from loans.services import build_schedule
from tests.clientapi.conftest import apply, sign_in
from tests.factories import DEMO_BIK, IlProductFactory, PdlProductFactory, valid_account

CARD = "4111 1111 1111 1111"


def test_products_and_the_calculator_use_the_contract_code(business_date, api):
    PdlProductFactory()
    product = IlProductFactory()
    codes = [p["code"] for p in api.get("/api/v1/products/").json()]
    assert codes == ["il168", "pdl30"]
    assert api.get("/api/v1/products/pdl30/").json()["daily_rate_percent"] == "0.8000"

    body = {"product": "il168", "amount_kop": 2_000_000, "term_days": 84}
    quote = api.post("/api/v1/calculator/", body, format="json").json()
    items = build_schedule(
        product=product, principal_kop=2_000_000, term_days=84, issue_date=business_date
    )
    psk = psk_for_schedule(issue_date=business_date, principal_kop=2_000_000, items=items)
    assert [i["total_kop"] for i in quote["schedule"]] == [i.total_kop for i in items]
    assert quote["psk_percent"] == str(psk.percent)
    assert quote["psk_kop"] == psk.amount_kop
    assert quote["currency"] == "RUB"

    too_much = api.post("/api/v1/calculator/", {**body, "amount_kop": 10**9}, format="json")
    assert too_much.status_code == 400
    assert too_much.json()["error"]["field"] == "amount_kop"
    odd_term = api.post("/api/v1/calculator/", {**body, "term_days": 85}, format="json")
    assert odd_term.json()["error"]["code"] == "invalid_term"
    unknown = api.post("/api/v1/calculator/", {**body, "product": "nope"}, format="json")
    assert unknown.json()["error"]["code"] == "product_inactive"


def test_card_and_bank_account(business_date, api):
    sign_in(api)
    card = {"kind": "card", "token": "tok_abcdef123", "last4": "1111"}
    added = api.post(
        "/api/v1/payout-methods/", {**card, "exp_month": 12, "exp_year": 2030}, format="json"
    )
    assert added.status_code == 201
    assert added.json()["last4"] == "1111"
    expired = api.post(
        "/api/v1/payout-methods/", {**card, "exp_month": 1, "exp_year": 2026}, format="json"
    )
    assert expired.json()["error"]["code"] == "invalid_payment_details"

    account = {"kind": "bank_account", "account": valid_account(), "bik": DEMO_BIK}
    assert api.post("/api/v1/payout-methods/", account, format="json").status_code == 201
    wrong_key = {**account, "account": valid_account()[:-1] + "9"}
    refused = api.post("/api/v1/payout-methods/", wrong_key, format="json")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "account"
    missing = api.post("/api/v1/payout-methods/", {"kind": "bank_account"}, format="json")
    assert missing.json()["error"]["field"] == "account"

    methods = api.get("/api/v1/payout-methods/").json()
    assert len(methods) == 2
    assert api.delete(f"/api/v1/payout-methods/{methods[0]['id']}/").status_code == 204
    assert len(api.get("/api/v1/payout-methods/").json()) == 1


def test_a_full_card_number_is_refused_and_never_stored_or_logged(business_date, api, caplog):
    sign_in(api)
    caplog.set_level(logging.DEBUG)
    for body in (
        {"kind": "card", "token": CARD, "last4": "1111", "exp_month": 1, "exp_year": 2030},
        {"kind": "card", "pan": CARD.replace(" ", "")},
        {"kind": "card", "token": 4111111111111111, "last4": "1111"},
    ):
        answer = api.post("/api/v1/payout-methods/", body, format="json")
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "card_number_refused"
        assert "4111" not in answer.content.decode()
    assert not PayoutDestination.objects.exists()
    assert "41111111" not in caplog.text and "4111 1111" not in caplog.text


def test_applying_needs_profile_consents_and_an_own_payout_method(borrower_api, api_factory):
    other = api_factory()
    foreign = apply(borrower_api, payout_method=other.ready["payout_method"])
    assert foreign.json()["error"]["field"] == "payout_method"
    outside = apply(borrower_api, amount_kop=50)
    assert outside.status_code == 400 and outside.json()["error"]["field"] == "amount_kop"
    assert not Loan.objects.exists()

    newcomer = type(borrower_api)()
    sign_in(newcomer)
    body = {"product": "pdl30", "amount_kop": 1_000_000, "term_days": 30, "payout_method": 1}
    answer = newcomer.post("/api/v1/applications/", body, format="json")
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "profile_required"
