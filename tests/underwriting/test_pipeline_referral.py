from loans.models import LoanStatus
from scoring.models import ScoreResult
from tests.factories import BorrowerFactory, PdlProductFactory
from tests.scoring.conftest import clean_bureau
from underwriting.models import ReviewTask, TaskStatus
from zaymer import applications, pipeline


def test_a_referred_application_gets_a_review_task_with_the_robots_view(business_date):
    loan = applications.submit_application(
        borrower=clean_bureau(BorrowerFactory()),
        product=PdlProductFactory(),
        amount_kop=1_000_000,
        term_days=30,
        card_token="tok_visa_1",
    )
    assert loan.status == LoanStatus.IN_REVIEW
    task = ReviewTask.objects.get(loan=loan)
    assert task.status == TaskStatus.OPEN and task.segment == "new"
    assert task.robot_limit_kop == 1_000_000
    assert task.card_token == "tok_visa_1"
    assert [reason["code"] for reason in task.reasons] == ["FB_NEW"]
    assert "bki_open_loans" in task.bureau
    result = ScoreResult.objects.get(loan=loan)
    assert task.existing_payments_kop == result.snapshot["facts"]["pdn"]["existing_payments_kop"]


def test_scoring_twice_opens_one_task(business_date):
    loan = applications.submit_application(
        borrower=clean_bureau(BorrowerFactory()),
        product=PdlProductFactory(),
        amount_kop=1_000_000,
        term_days=30,
    )
    pipeline.score_and_route_task(loan.pk)
    assert ReviewTask.objects.filter(loan=loan).count() == 1


def test_applications_referred_before_the_workspace_get_their_tasks(business_date):
    from django.core.management import call_command

    from loans import services as loan_services

    loan = loan_services.loan_apply(
        borrower=BorrowerFactory(), product=PdlProductFactory(), amount_kop=500_000, term_days=14
    )
    loan_services.loan_refer(loan=loan_services.loan_score(loan=loan), reason="grey zone: PD 0.3")
    call_command("open_review_tasks")
    call_command("open_review_tasks")
    task = ReviewTask.objects.get(loan=loan)
    assert task.segment == "new" and task.amount_kop == 500_000
    assert task.reasons == [{"code": "REFERRED", "text": "grey zone: PD 0.3"}]
