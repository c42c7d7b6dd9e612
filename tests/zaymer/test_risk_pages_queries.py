"""The risk manager's pages cost a fixed number of queries whatever the book holds: the bureau
deadlines, scoring monitoring and the underwriting metrics."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.roles import RISK_MANAGER
from scoring.models import ModelStatus, ScoreResult
from tests.factories import BorrowerFactory, applied_loan
from tests.loans.helpers import open_day
from tests.scoring.conftest import (  # noqa: F401 - autouse: artifacts in tmp
    _isolated_scoring,
    clean_bureau,
    constant_model,
    register,
)
from tests.underwriting.conftest import referred_task, staff
from zaymer.pipeline import score_and_route


@pytest.fixture
def risk(client, db):
    client.force_login(staff("risk1", RISK_MANAGER, is_staff=True))
    return client


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_bureau_deadlines_cost_the_same_queries_for_one_late_event_or_four(risk, business_date):
    applied_loan()
    open_day(dt.date(2026, 11, 9))  # past the deadline of the application's event
    one = queries(risk, "/bureaus/")

    for _ in range(3):
        applied_loan()

    assert queries(risk, "/bureaus/") == one


def test_scoring_monitoring_costs_the_same_queries_for_one_decision_or_four(risk, business_date):
    register(constant_model(0.05), status=ModelStatus.CHAMPION)
    score_and_route(loan_id=applied_loan(borrower=clean_bureau(BorrowerFactory())).pk)
    one = queries(risk, "/scoring/monitoring/")

    for _ in range(3):
        score_and_route(loan_id=applied_loan(borrower=clean_bureau(BorrowerFactory())).pk)

    assert ScoreResult.objects.count() == 4
    assert queries(risk, "/scoring/monitoring/") == one


def test_the_underwriting_metrics_cost_the_same_queries_for_one_task_or_four(risk, business_date):
    referred_task(amount_kop=1_000_000, segment="new")
    one = queries(risk, "/underwriting/metrics/")

    for segment in ("new", "repeat", "repeat"):
        referred_task(amount_kop=1_500_000, segment=segment)

    assert queries(risk, "/underwriting/metrics/") == one
