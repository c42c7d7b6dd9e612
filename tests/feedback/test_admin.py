import pytest

from feedback import services
from feedback.models import FollowUpStatus, Survey
from tests.conftest import ISSUE_DATE
from tests.feedback.conftest import closed_loan


@pytest.mark.parametrize(
    "model", ["survey", "followuptask", "loyaltytier", "loyaltysnapshot", "personaloffer"]
)
def test_every_feedback_model_has_an_admin_list(admin_client, tiers, business_date, model):
    loan = closed_loan(on=ISSUE_DATE)
    services.surveys_offer(on=ISSUE_DATE)
    services.survey_answer(survey=Survey.objects.get(), nps=2, csat=1, stage="payout")
    services.offers_generate(borrower=loan.borrower)
    assert admin_client.get(f"/admin/feedback/{model}/").status_code == 200


def test_staff_mark_follow_ups_done_from_the_list(admin_client, business_date):
    closed_loan(on=ISSUE_DATE)
    services.surveys_offer(on=ISSUE_DATE)
    survey = services.survey_answer(survey=Survey.objects.get(), nps=2, csat=1, stage="payout")
    answer = admin_client.post(
        "/admin/feedback/followuptask/",
        {"action": "mark_done", "_selected_action": [survey.follow_up.pk]},
    )
    assert answer.status_code == 302
    survey.follow_up.refresh_from_db()
    assert survey.follow_up.status == FollowUpStatus.DONE
