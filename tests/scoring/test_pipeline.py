from django.db.models import Count

from loans.models import Loan, LoanStatus, TransitionLog
from scoring import registry
from scoring.models import Decision, ScoreResult
from tests.factories import BorrowerFactory, PdlProductFactory, applied_loan
from tests.scoring.conftest import clean_bureau
from zaymer import applications, pipeline


def test_duplicated_task_scores_and_routes_the_loan_once(business_date, champion_at):
    champion_at(0.02)
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))

    first = pipeline.score_and_route_task(loan.pk)
    second = pipeline.score_and_route_task(loan.pk)

    assert first == second == Decision.APPROVE
    assert ScoreResult.objects.filter(loan=loan).count() == 1
    transitions = dict(
        TransitionLog.objects.filter(loan=loan).values_list("transition").annotate(n=Count("id"))
    )
    assert transitions == {"score": 1, "approve": 1}
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.APPROVED


def test_submit_scores_synchronously_without_a_champion(business_date):
    borrower = clean_bureau(BorrowerFactory())

    loan = applications.submit_application(
        borrower=borrower, product=PdlProductFactory(), amount_kop=1_000_000, term_days=30
    )

    result = ScoreResult.objects.get(loan=loan)
    assert result.method == "rules"
    assert loan.status == LoanStatus.IN_REVIEW  # a new borrower goes to an underwriter
    assert [r["code"] for r in result.reasons] == ["FB_NEW"]


def test_a_champion_whose_artifact_fails_its_check_refers_the_application(
    business_date, champion_at, caplog
):
    version = champion_at(0.02)
    registry.forget_loaded_models()
    path = registry.artifacts_dir() / version.artifact_path
    path.write_bytes(path.read_bytes() + b"\0")
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))

    pipeline.score_and_route_task(loan.pk)

    loan.refresh_from_db()
    assert loan.status == LoanStatus.IN_REVIEW
    result = ScoreResult.objects.get(loan=loan)
    assert result.method == "unavailable"
    assert [r["code"] for r in result.reasons] == ["MODEL_UNAVAILABLE"]
    assert any("cannot run" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")


def test_a_champion_whose_artifact_is_missing_refers_the_application(business_date, champion_at):
    version = champion_at(0.02)
    registry.forget_loaded_models()
    (registry.artifacts_dir() / version.artifact_path).unlink()
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))

    pipeline.score_and_route_task(loan.pk)

    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.IN_REVIEW
