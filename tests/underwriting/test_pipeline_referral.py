from loans.models import LoanStatus
from tests.factories import BorrowerFactory, PdlProductFactory
from tests.scoring.conftest import clean_bureau
from underwriting.models import ReviewTask, TaskStatus
from zaymer import pipeline


def test_a_referred_application_gets_a_review_task_with_the_robots_view(business_date):
    loan = pipeline.submit_application(
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


def test_scoring_twice_opens_one_task(business_date):
    loan = pipeline.submit_application(
        borrower=clean_bureau(BorrowerFactory()),
        product=PdlProductFactory(),
        amount_kop=1_000_000,
        term_days=30,
    )
    pipeline.score_and_route_task(loan.pk)
    assert ReviewTask.objects.filter(loan=loan).count() == 1
