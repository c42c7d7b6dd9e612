import datetime as dt
import logging

from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from clientapi.models import ApiToken, ClientAccount, Consent, OneTimeCode
from clientapi.selectors import CONSENT_DOCUMENT_VERSIONS
from loans.models import BorrowerMessage
from tests.clientapi.conftest import PROFILE, last_code, sign_in
from tests.factories import RegionFactory

PHONE = "+79161234567"


def _code(api, phone=PHONE):
    return api.post("/api/v1/auth/code/", {"phone": phone}, format="json")


def _token(api, code, phone=PHONE):
    return api.post("/api/v1/auth/token/", {"phone": phone, "code": code}, format="json")


def test_code_goes_through_the_outbox_and_is_kept_only_hashed(db, api):
    answer = _code(api, "8 (916) 123-45-67")
    assert answer.status_code == 202
    assert "+03:00" in answer.json()["expires_at"]
    code = last_code(PHONE)
    otp = OneTimeCode.objects.get(phone=PHONE)
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert BorrowerMessage.objects.get(phone=PHONE).kind == "code_sign_in"

    token = _token(api, code)
    assert token.status_code == 201
    assert token.json()["profile_complete"] is False
    key = token.json()["token"]
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert ClientAccount.objects.filter(phone=PHONE).exists()

    reused = _token(api, code)
    assert reused.status_code == 400
    assert reused.json()["error"] == {
        "code": "invalid_code",
        "message": "Неверный или просроченный код.",
        "field": "code",
    }


def test_wrong_codes_are_counted_until_the_code_is_exhausted(db, api):
    _code(api)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answers = [_token(api, wrong).json()["error"]["code"] for _ in range(5)]
    assert answers == ["invalid_code"] * 4 + ["code_attempts_exhausted"]
    assert _token(api, code).json()["error"]["code"] == "code_attempts_exhausted"
    assert not ClientAccount.objects.exists()


def test_expired_code_is_refused(db, api):
    _code(api)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _token(api, last_code(PHONE)).json()["error"]["code"] == "invalid_code"


def test_codes_are_throttled_per_phone_and_per_ip(db, api, monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "code_phone": "2/hour", "code_ip": "4/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    assert [_code(api).status_code for _ in range(3)] == [202, 202, 429]
    assert _code(api, "+79160000001").status_code == 202
    refused = _code(api, "+79160000002")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0


def test_bad_phone_and_english_messages(db, api):
    answer = api.post(
        "/api/v1/auth/code/", {"phone": "12345"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_phone"
    assert answer.json()["error"]["field"] == "phone"
    missing = api.post("/api/v1/auth/token/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.json()["error"] == {
        "code": "required",
        "message": "This field is required.",
        "field": "phone",
    }


def test_sign_out_revokes_the_token(db, api):
    sign_in(api)
    assert api.delete("/api/v1/auth/token/").status_code == 204
    answer = api.get("/api/v1/me/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "authentication_failed"


def test_profile_and_consents(db, api):
    RegionFactory()
    sign_in(api)
    assert api.get("/api/v1/me/").status_code == 404
    profile = {**PROFILE, "passport_number": "123456"}
    saved = api.put("/api/v1/me/", profile, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["region"] == "77"
    assert saved.json()["phone"] == api.phone
    assert api.get("/api/v1/me/").json()["declared_income_kop"] == 8_000_000

    young = api.put("/api/v1/me/", {**profile, "birth_date": "2015-01-01"}, format="json")
    assert young.json()["error"]["code"] == "invalid_age"

    documents = api.get("/api/v1/consents/").json()
    assert {d["kind"] for d in documents} == set(CONSENT_DOCUMENT_VERSIONS)
    assert all(d["given_at"] is None for d in documents)
    old = api.post(
        "/api/v1/consents/", {"kind": "personal_data", "document_version": "2020-01"}, format="json"
    )
    assert old.json()["error"]["code"] == "outdated_document"
    body = {"kind": "personal_data", "document_version": CONSENT_DOCUMENT_VERSIONS["personal_data"]}
    given = api.post("/api/v1/consents/", body, format="json")
    assert given.status_code == 201
    assert api.post("/api/v1/consents/", body, format="json").status_code == 201
    assert Consent.objects.count() == 1


def test_anonymous_gets_401_in_the_common_shape(db, api):
    answer = api.get("/api/v1/loans/")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"


def test_codes_never_reach_the_log(db, api, settings, caplog):
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    assert _code(api).status_code == 202
    code = last_code(PHONE)
    assert _token(api, code).status_code == 201
    message = BorrowerMessage.objects.get(phone=PHONE)
    assert (message.kind, message.status, message.borrower) == ("code_sign_in", "queued", None)
    assert code not in caplog.text
