import hashlib
import hmac
import json
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from rest_framework.test import APIClient

from clientapi.models import ClientAccount
from clientapi.selectors import CONSENT_DOCUMENT_VERSIONS
from clientapi.throttles import THROTTLE_CACHE
from loans.models import BorrowerMessage, Loan, PayoutOrder
from scoring.models import ModelStatus, ModelVersion
from tests.factories import DEMO_BIK, PdlProductFactory, RegionFactory, valid_account
from tests.scoring.conftest import (  # noqa: F401 - fixtures
    _isolated_scoring,
    clean_bureau,
    constant_model,
    register,
)

_phones = iter(range(9_100_000_000, 9_199_999_999))


@pytest.fixture(autouse=True)
def _fresh_throttles(db):
    # The throttle cache is a table that transactional tests' flush does not empty.
    caches[THROTTLE_CACHE].clear()
    yield
    caches[THROTTLE_CACHE].clear()


@pytest.fixture
def api():
    return APIClient()


def last_code(phone: str) -> str:
    body = BorrowerMessage.objects.filter(phone=phone).latest("pk").body
    return re.search(r"\b([0-9]{6})\b", body)[1]


def sign_in(client: APIClient, phone: str | None = None) -> str:
    phone = phone or f"+7{next(_phones)}"
    assert client.post("/api/v1/auth/code/", {"phone": phone}, format="json").status_code == 202
    answer = client.post(
        "/api/v1/auth/token/", {"phone": phone, "code": last_code(phone)}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['token']}")
    client.phone = phone
    client.token = answer.json()["token"]
    return phone


PROFILE = {
    "full_name": "Петров Пётр Петрович",
    "birth_date": "1990-05-17",
    "email": "petrov@example.com",
    "passport_series": "4510",
    "region_code": "77",
    "employment": "employed",
    "declared_income_kop": 8_000_000,
}
_passports = iter(range(200_000, 999_999))


def onboard(client: APIClient) -> dict:
    """Signed in, profile filled, consents given, a bank account added: ready to apply."""
    RegionFactory()
    PdlProductFactory()
    sign_in(client)
    profile = {**PROFILE, "passport_number": f"{next(_passports):06d}"}
    assert client.put("/api/v1/me/", profile, format="json").status_code == 200
    for kind, version in CONSENT_DOCUMENT_VERSIONS.items():
        consent = {"kind": kind, "document_version": version}
        assert client.post("/api/v1/consents/", consent, format="json").status_code == 201
    method = client.post(
        "/api/v1/payout-methods/",
        {"kind": "bank_account", "account": valid_account(), "bik": DEMO_BIK},
        format="json",
    )
    assert method.status_code == 201
    return {"payout_method": method.json()["id"]}


@pytest.fixture
def borrower_api(business_date, api):
    api.ready = onboard(api)
    return api


def apply(client: APIClient, *, amount_kop=1_000_000, term_days=30, **extra):
    body = {
        "product": "pdl30",
        "amount_kop": amount_kop,
        "term_days": term_days,
        "payout_method": client.ready["payout_method"],
        **extra,
    }
    return client.post("/api/v1/applications/", body, format="json")


def approved_application(client: APIClient) -> dict:
    """An application the robot approves at once (a champion model that likes everyone)."""
    if not ModelVersion.objects.filter(status=ModelStatus.CHAMPION).exists():
        register(constant_model(0.02), status=ModelStatus.CHAMPION)
    clean_bureau(ClientAccount.objects.get(phone=client.phone).borrower)
    answer = apply(client)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "approved", answer.json()
    return answer.json()


def sign(client: APIClient, loan_id: int, *, key: str = "sign-1"):
    assert client.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    code = last_code(client.phone)
    return client.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": code},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def live_loan(api) -> int:
    """An application approved, signed and paid out: the loan is serviced."""
    loan_id = approved_application(api)["id"]
    assert sign(api, loan_id).status_code == 201
    payout = PayoutOrder.objects.get(loan_id=loan_id)
    paid = {
        "event_id": f"payout-ok-{loan_id}",
        "type": "payout.succeeded",
        "data": {"payout_key": payout.idempotency_key},
    }
    assert webhook(api, paid).status_code == 200
    assert Loan.objects.get(pk=loan_id).status == "serviced"
    return loan_id


def signed_event(event: dict, *, secret: str | None = None) -> tuple[bytes, str]:
    """The body a provider sends and its X-Signature."""
    body = json.dumps(event).encode()
    key = (secret or settings.PAYMENT_WEBHOOK_SECRET).encode()
    return body, "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def webhook(client: APIClient, event: dict, *, secret: str | None = None):
    body, signature = signed_event(event, secret=secret)
    return client.post(
        "/api/v1/webhooks/payments/",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature,
    )


@pytest.fixture
def api_factory(business_date):
    def make() -> APIClient:
        client = APIClient()
        client.ready = onboard(client)
        return client

    return make
