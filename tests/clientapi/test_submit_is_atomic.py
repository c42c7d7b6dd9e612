"""Submitting an application is one transaction: if scoring or routing fails after the
application row is written, nothing of it is kept and the borrower is told to retry."""

import pytest

from clientapi.models import ClientAccount, LoanRequest
from loans.models import Loan
from scoring import services as scoring_services
from scoring.models import ModelStatus, ScoreResult
from tests.clientapi.conftest import apply, clean_bureau, constant_model, register
from zaymer import pipeline


def _boom(**kwargs):
    raise RuntimeError("the scoring service fell over")


@pytest.mark.parametrize(
    ("module", "name"),
    [(scoring_services, "score_application"), (pipeline, "debt_load_note")],
    ids=["scoring", "routing"],
)
def test_a_failure_after_the_application_is_written_keeps_nothing_and_answers_retry_later(
    borrower_api, monkeypatch, module, name
):
    register(constant_model(0.02), status=ModelStatus.CHAMPION)
    borrower = ClientAccount.objects.get(phone=borrower_api.phone).borrower
    clean_bureau(borrower)
    monkeypatch.setattr(module, name, _boom)

    answer = apply(borrower_api)

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "application_not_decided"
    assert answer.headers["Retry-After"]
    assert not Loan.objects.filter(borrower=borrower).exists()
    assert not LoanRequest.objects.exists()
    assert not ScoreResult.objects.exists()
