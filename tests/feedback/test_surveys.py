import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from feedback import services
from feedback.models import FollowUpStatus, FollowUpTask, Repayment, Survey
from loans.models import BorrowerMessage
from tests.conftest import ISSUE_DATE
from tests.factories import BorrowerFactory
from tests.feedback.conftest import borrower_of, closed_loan, repay
from tests.loans.helpers import issued, open_day

DAY = dt.timedelta(days=1)


def test_a_survey_is_offered_once_per_loan_closed_that_day(business_date):
    first = closed_loan(on=ISSUE_DATE)
    second = closed_loan(on=ISSUE_DATE)
    closed_loan(on=ISSUE_DATE - DAY)
    live = issued()

    assert services.surveys_offer(on=ISSUE_DATE) == 2
    assert services.surveys_offer(on=ISSUE_DATE) == 0

    assert set(Survey.objects.values_list("loan_id", flat=True)) == {first.pk, second.pk}
    assert not Survey.objects.filter(loan=live).exists()
    invites = BorrowerMessage.objects.filter(kind=services.SURVEY_INVITE_KIND)
    assert sorted(invites.values_list("borrower_id", flat=True)) == sorted(
        [first.borrower_id, second.borrower_id]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(
            loan=first,
            borrower=first.borrower,
            product=first.product,
            repeat=False,
            repayment=Repayment.ON_TIME,
            offered_on=ISSUE_DATE,
        )


def test_surveys_know_the_segment_and_how_the_loan_was_repaid(business_date):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE - 3 * DAY, borrower=borrower)
    repeat_late = closed_loan(on=ISSUE_DATE, borrower=borrower, overdue_days=29)
    new_collected = closed_loan(on=ISSUE_DATE, overdue_days=30)
    new_on_time = closed_loan(on=ISSUE_DATE)

    services.surveys_offer(on=ISSUE_DATE)

    surveys = {s.loan_id: s for s in Survey.objects.all()}
    assert (surveys[repeat_late.pk].repeat, surveys[repeat_late.pk].repayment) == (
        True,
        Repayment.LATE,
    )
    assert surveys[new_collected.pk].repeat is False
    assert surveys[new_collected.pk].after_collection
    assert surveys[new_on_time.pk].repayment == Repayment.ON_TIME


def test_a_loan_overdue_30_days_by_cob_is_marked_after_collection(business_date):
    loan = issued(term_days=8)  # due Tuesday 11-10 (5 days would end on a Saturday and move)
    open_day(ISSUE_DATE + 8 * DAY + 31 * DAY)
    loan = repay(loan)
    services.surveys_offer(on=loan.closed_on)
    assert Survey.objects.get(loan=loan).after_collection


def _survey_for(client) -> Survey:
    loan = closed_loan(on=ISSUE_DATE, borrower=borrower_of(client))
    services.surveys_offer(on=ISSUE_DATE)
    return Survey.objects.get(loan=loan)


ANSWER = {"nps": 9, "csat": 5, "stage": "payout", "text": "Быстро"}


def test_the_borrower_answers_their_survey_once(borrower_api):
    survey = _survey_for(borrower_api)
    listed = borrower_api.get("/api/v1/surveys/")
    assert [row["id"] for row in listed.json()] == [survey.pk]

    answer = borrower_api.post(f"/api/v1/surveys/{survey.pk}/answer/", ANSWER, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["nps"] == 9 and answer.json()["stage"] == "payout"
    assert borrower_api.get("/api/v1/surveys/").json() == []

    again = borrower_api.post(
        f"/api/v1/surveys/{survey.pk}/answer/", {**ANSWER, "nps": 0}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "survey_already_answered"
    survey.refresh_from_db()
    assert survey.nps == 9
    assert not FollowUpTask.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nps": 11}, "nps"),
        ({"nps": -1}, "nps"),
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"stage": "marketing"}, "stage"),
        ({"text": "x" * 2001}, "text"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(borrower_api, change, field):
    survey = _survey_for(borrower_api)
    answer = borrower_api.post(
        f"/api/v1/surveys/{survey.pk}/answer/", {**ANSWER, **change}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == field
    assert set(answer.json()["error"]) == {"code", "message", "field"}
    survey.refresh_from_db()
    assert survey.answered_at is None and survey.nps is None


def test_the_service_refuses_out_of_range_scores_too(business_date):
    closed_loan(on=ISSUE_DATE)
    services.surveys_offer(on=ISSUE_DATE)
    survey = Survey.objects.get()
    for nps, csat in ((11, 5), (10, 0)):
        with pytest.raises(services.DomainError):
            services.survey_answer(survey=survey, nps=nps, csat=csat, stage="servicing")
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_another_borrowers_survey_is_not_found(api_factory):
    owner, stranger = api_factory(), api_factory()
    survey = _survey_for(owner)
    answer = stranger.post(f"/api/v1/surveys/{survey.pk}/answer/", ANSWER, format="json")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.parametrize(("nps", "follow_up"), [(0, True), (6, True), (7, False), (10, False)])
def test_a_detractor_opens_a_follow_up_for_staff(business_date, nps, follow_up):
    closed_loan(on=ISSUE_DATE)
    services.surveys_offer(on=ISSUE_DATE)
    survey = services.survey_answer(
        survey=Survey.objects.get(), nps=nps, csat=2, stage="collection", text="Звонили ночью"
    )
    assert FollowUpTask.objects.filter(survey=survey, status=FollowUpStatus.OPEN).exists() is (
        follow_up
    )


def test_staff_close_a_follow_up(business_date, django_user_model):
    closed_loan(on=ISSUE_DATE)
    services.surveys_offer(on=ISSUE_DATE)
    survey = services.survey_answer(survey=Survey.objects.get(), nps=3, csat=1, stage="payout")
    staff = django_user_model.objects.create_user("care", password="x")
    task = services.follow_up_done(task=survey.follow_up, actor=staff, note="Перезвонили")
    task.refresh_from_db()
    assert task.status == FollowUpStatus.DONE
    assert task.assignee == staff and task.done_at is not None
    assert task.note == "Перезвонили"


def test_a_second_answer_is_refused_in_the_borrowers_language(borrower_api):
    survey = _survey_for(borrower_api)
    borrower_api.post(f"/api/v1/surveys/{survey.pk}/answer/", ANSWER, format="json")
    url = f"/api/v1/surveys/{survey.pk}/answer/"
    russian = borrower_api.post(url, ANSWER, format="json")
    english = borrower_api.post(url, ANSWER, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert russian.json()["error"]["message"] == "На этот опрос уже есть ответ."
    assert english.json()["error"]["message"] == "This survey has already been answered."
