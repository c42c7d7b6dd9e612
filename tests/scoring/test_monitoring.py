import json

import numpy as np
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.models import ModelStatus, ScoreResult
from scoring.monitoring import decision_rates, monitoring_report, psi
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import clean_bureau, constant_model, register
from zaymer.pipeline import score_and_route


def test_psi_of_a_sample_against_itself_is_zero():
    sample = np.random.default_rng(0).normal(size=2_000)
    assert psi(sample, sample) == pytest.approx(0.0)


def test_psi_of_a_shifted_population_is_above_the_alert():
    rng = np.random.default_rng(0)
    assert psi(rng.normal(size=2_000), rng.normal(1.0, size=2_000)) > 0.25


def _champion_with_baseline(score_sample):
    model = register(constant_model(0.05), status=ModelStatus.CHAMPION)
    model.score_sample = score_sample
    model.feature_sample = {"max_dpd": [0.0] * 50 + [10.0] * 50}
    model.save()
    return model


def _decide(n):
    for _ in range(n):
        score_and_route(loan_id=applied_loan(borrower=clean_bureau(BorrowerFactory())).pk)


def test_a_score_far_from_the_training_sample_is_flagged(business_date):
    _champion_with_baseline(list(range(400, 500)))  # the live constant model scores 648
    _decide(3)

    report = monitoring_report(on=business_date)

    assert [row.name for row in report.flagged] == ["score (points)", "max_dpd"]
    with pytest.raises(CommandError, match="PSI above"):
        call_command("scoring_monitor", fail_on_drift=True)


def test_decision_rates_by_segment(business_date, champion_at):
    champion_at(0.05)
    _decide(2)
    ScoreResult.objects.filter(pk=ScoreResult.objects.first().pk).update(decision="decline")

    rates = decision_rates(since=business_date, on=business_date)

    assert rates == [{"segment": "new", "total": 2, "approve": 0.5, "refer": 0.0, "decline": 0.5}]


def test_command_prints_the_report_as_json(business_date, champion_at, capsys):
    champion_at(0.05)
    _decide(1)

    call_command("scoring_monitor", json=True)

    report = json.loads(capsys.readouterr().out)
    assert report["rates"][0]["total"] == 1
    assert report["drift"][0]["name"] == "score (points)"


def test_monitoring_page_is_for_risk_managers_only(business_date, client, django_user_model):
    assert client.get("/scoring/monitoring/").status_code == 302
    user = django_user_model.objects.create_user("clerk", password="x")
    client.force_login(user)
    assert client.get("/scoring/monitoring/").status_code == 403

    user.groups.add(Group.objects.get(name="risk_manager"))
    response = client.get("/scoring/monitoring/")
    assert response.status_code == 200
    assert "Мониторинг скоринга" in response.content.decode()
