"""Signing an offer: codes per loan and per phone, wrong codes per loan, then a pause."""

import datetime as dt

import pytest
from django.utils import timezone

from clientapi.models import LoanRequest, OneTimeCode
from clientapi.signing import LOCKED_KIND
from loans.models import BorrowerMessage, Loan
from tests.clientapi.conftest import approved_application, last_code


@pytest.fixture
def offer(borrower_api, settings):
    settings.SIGNING_CODES_PER_LOAN = {"hour": 3, "day": 5}
    settings.SIGNING_CODES_PER_PHONE = {"hour": 4, "day": 6}
    settings.SIGNING_WRONG_CODES_PER_LOAN = 4
    settings.SIGNING_LOCK_MINUTES = 30
    return approved_application(borrower_api)["id"]


def _code(api, loan_id):
    return api.post(f"/api/v1/applications/{loan_id}/sign-code/")


def _sign(api, loan_id, code, n):
    return api.post(
        f"/api/v1/applications/{loan_id}/sign/",
        {"code": code},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"sign-{n}",
    )


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _age_codes(**delta) -> None:
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(**delta))


def test_codes_per_loan_are_limited_per_hour_with_a_time_to_retry(borrower_api, offer):
    answers = [_code(borrower_api, offer) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "sign_codes_limit"
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert "60 мин" in refused.json()["error"]["message"]
    assert OneTimeCode.objects.filter(loan_id=offer).count() == 3


def test_codes_per_loan_are_limited_per_day(borrower_api, offer):
    assert [_code(borrower_api, offer).status_code for _ in range(3)] == [202] * 3
    _age_codes(hours=2)
    answers = [_code(borrower_api, offer) for _ in range(3)]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 3600 * 21 < int(answers[-1]["Retry-After"]) <= 3600 * 22


def test_codes_per_phone_are_limited_apart_from_the_loans_limit(borrower_api, offer, settings):
    settings.SIGNING_CODES_PER_LOAN = {"hour": 100, "day": 100}
    assert [_code(borrower_api, offer).status_code for _ in range(5)] == [202] * 4 + [429]


def test_wrong_codes_across_new_codes_pause_signing(borrower_api, offer, settings):
    settings.SIGNING_CODES_PER_LOAN = settings.SIGNING_CODES_PER_PHONE = {"hour": 9, "day": 9}
    for n in range(3):
        assert _code(borrower_api, offer).status_code == 202
        wrong = _wrong(last_code(borrower_api.phone))
        assert _sign(borrower_api, offer, wrong, n).json()["error"]["code"] == "invalid_code"
    assert _code(borrower_api, offer).status_code == 202
    code = last_code(borrower_api.phone)
    locked = _sign(borrower_api, offer, _wrong(code), 9)
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "offer_locked"
    assert "30 мин" in locked.json()["error"]["message"]
    assert 1700 < int(locked["Retry-After"]) <= 1800
    # The right code no longer signs, and no new code is sent while paused.
    assert _sign(borrower_api, offer, code, 10).status_code == 423
    assert _code(borrower_api, offer).status_code == 423
    assert Loan.objects.get(pk=offer).signed_at is None


def test_a_pause_tells_the_borrower_by_sms_and_shows_on_the_request(borrower_api, offer):
    assert _code(borrower_api, offer).status_code == 202
    wrong = _wrong(last_code(borrower_api.phone))
    answers = [_sign(borrower_api, offer, wrong, n).status_code for n in range(4)]
    assert answers == [400, 400, 400, 423]
    message = BorrowerMessage.objects.get(kind=LOCKED_KIND)
    assert message.phone == borrower_api.phone and str(offer) in message.body
    request = LoanRequest.objects.get(loan_id=offer)
    assert request.signing_locks == 1 and request.signing_locked_until > timezone.now()


def test_after_the_pause_the_offer_can_be_signed(borrower_api, offer):
    _code(borrower_api, offer)
    wrong = _wrong(last_code(borrower_api.phone))
    assert [_sign(borrower_api, offer, wrong, n).status_code for n in range(4)][-1] == 423
    LoanRequest.objects.update(signing_locked_until=timezone.now() - dt.timedelta(seconds=1))
    _age_codes(hours=2)
    assert _code(borrower_api, offer).status_code == 202
    assert _sign(borrower_api, offer, last_code(borrower_api.phone), 20).status_code == 201


def test_the_pause_is_in_the_staff_admin(borrower_api, offer, admin_client):
    LoanRequest.objects.update(
        signing_locked_until=timezone.now() + dt.timedelta(minutes=5), signing_locks=1
    )
    page = admin_client.get("/admin/clientapi/loanrequest/?locked=yes")
    assert page.status_code == 200
    assert f"#{offer}" in page.content.decode()
