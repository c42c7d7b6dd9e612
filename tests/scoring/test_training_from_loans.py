import datetime as dt
import json

from django.core.management import call_command

from loans import services
from loans.cob import run_cob_until
from scoring.models import ModelVersion, PromotionThresholds, ScoreResult
from tests.factories import BorrowerFactory, applied_loan, live_loan
from tests.scoring.conftest import clean_bureau
from zaymer.pipeline import score_and_route


def test_trains_on_loans_with_matured_outcomes_and_the_champion_decides(
    business_date, django_capture_on_commit_callbacks, tmp_path, risk_manager, settings
):
    settings.SCORING_BAD_DPD, settings.SCORING_BAD_HORIZON_DAYS = 10, 20  # ended by day 60
    # 24 loans give a 6-row holdout: the risk team lowers the bar for this toy book.
    PromotionThresholds.objects.filter(kind="application").update(
        min_holdout_rows=6, max_calibration_error=1, max_brier_ratio=10
    )
    loans = []
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(24):
            income = 15_000_000 if i % 2 == 0 else 3_000_000
            loans.append(
                live_loan(on=business_date, borrower=BorrowerFactory(declared_income_kop=income))
            )
    for loan in loans[::2]:  # the richer half repays; the rest never pays
        loan.refresh_from_db()
        services.loan_repay(
            loan=loan,
            amount_kop=services.repayment_quote_kop(loan=loan),
            provider="sbx",
            event_id=f"p{loan.pk}",
        )
    run_cob_until(until=business_date + dt.timedelta(days=60))
    report = tmp_path / "report.json"

    call_command("train_scoring_model", kind="application", report=report, bureau_width=5)
    call_command("promote_model", kind="application", latest=True, by="risk1")

    model = ModelVersion.objects.get()
    assert (model.status, model.rows_train, model.rows_test) == ("champion", 18, 6)
    assert model.metrics["bureau_vector"]["attributes"] == 5  # weighed, kept if it helps
    assert model.metrics["data"]["immature_excluded"] == 0
    assert model.metrics["data"]["rows_rebuilt_as_of_decision"] == 24
    assert json.loads(report.read_text())["rows_test"] == 6
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory(declared_income_kop=15_000_000)))
    score_and_route(loan_id=loan.pk)
    result = ScoreResult.objects.get(loan=loan)
    assert (result.method, result.model_version) == ("model", model)
    assert 0 < result.pd < 1
