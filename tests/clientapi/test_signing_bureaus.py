"""The borrower API's signing asks the bureaus again when their answer is stale."""

import datetime as dt

from django.utils import timezone

from clientapi.models import ClientAccount
from loans.models import Borrower, Loan
from scoring.bureau import SandboxBureau
from tests.clientapi.conftest import approved_application, sign


def _stale(client) -> None:
    borrower = ClientAccount.objects.get(phone=client.phone).borrower
    Borrower.objects.filter(pk=borrower.pk).update(
        self_ban_checked_at=timezone.now() - dt.timedelta(days=40)
    )


def test_signing_when_the_bureaus_are_down_is_refused_with_a_retry_message(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    _stale(borrower_api)
    SandboxBureau.fault = "down"

    answer = sign(borrower_api, loan_id)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "bureaus_unavailable"
    assert "позже" in answer.json()["error"]["message"]
    assert Loan.objects.get(pk=loan_id).signed_at is None


def test_signing_after_the_bureaus_come_back_succeeds(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    _stale(borrower_api)
    SandboxBureau.fault = "down"
    assert sign(borrower_api, loan_id, key="sign-a").status_code == 409
    SandboxBureau.fault = ""

    assert sign(borrower_api, loan_id, key="sign-b").status_code == 201
