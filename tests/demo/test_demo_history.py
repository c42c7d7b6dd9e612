"""What the demo's history leaves for the pages: one history, written once for the module and
rolled back after it, read by every test."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from collection.models import CaseStage, Channel, CollectionCase, ContactAttempt, PromiseToPay
from demo.accounts import ensure_accounts
from demo.portfolio import generate_portfolio
from demo.products import ensure_products
from feedback.models import Survey
from loans.models import Borrower, Loan, LoanStatus
from scoring.models import Purpose, ScoreResult
from scoring.monitoring import monitoring_report
from underwriting.identity import OK, passport_age_check
from underwriting.models import ReviewTask, TaskStatus

MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """150 days of 120 borrowers, as if it were 15:00 in Moscow today (see test_seed_demo)."""
    afternoon = dt.datetime.combine(dt.datetime.now(MOSCOW).date(), dt.time(15), tzinfo=MOSCOW)
    offset = afternoon - dt.datetime.now(dt.UTC)
    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock():
        patch.setattr(timezone, "now", lambda: dt.datetime.now(dt.UTC) + offset)
        with transaction.atomic():
            ensure_products()
            ensure_accounts(password="demo-secret-4321")
            generate_portfolio(borrowers=120, days=150)
            yield
            transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("history")


def test_every_application_is_scored_by_the_robot_on_its_own_day(db):
    results = ScoreResult.objects.filter(purpose=Purpose.APPLICATION).select_related("loan")
    assert results.count() == Loan.objects.count()
    for result in results:
        assert result.business_date == timezone.localdate(result.loan.applied_at)


def test_an_application_in_review_is_one_the_robot_referred(db):
    in_review = Loan.objects.filter(status=LoanStatus.IN_REVIEW)
    referred = ScoreResult.objects.filter(loan__in=in_review, decision="refer")
    assert in_review.exists()
    assert referred.count() == in_review.count()


def test_the_queue_tasks_carry_the_robots_reasons_model_and_bureau_answer(db):
    tasks = ReviewTask.objects.filter(status=TaskStatus.OPEN)
    assert tasks.exists()
    for task in tasks:
        assert task.reasons and all(reason["text"] for reason in task.reasons)
        assert task.model_label == "rules"  # no champion in the history
        assert task.bureau["bureaus"] == ["sandbox"]


def test_the_queue_holds_new_and_repeat_applicants(db):
    segments = set(
        ReviewTask.objects.filter(status=TaskStatus.OPEN).values_list("segment", flat=True)
    )
    assert segments == {"new", "repeat"}


def test_the_queue_deadlines_are_staggered_some_still_ahead(db):
    deadlines = list(
        ReviewTask.objects.filter(status=TaskStatus.OPEN).values_list("due_at", flat=True)
    )
    assert max(deadlines) - min(deadlines) > dt.timedelta(minutes=5)
    assert any(due > timezone.now() for due in deadlines)
    assert any(due < timezone.now() for due in deadlines)


def test_collection_cases_open_on_the_days_their_loans_fell_overdue(db):
    months = CollectionCase.objects.dates("opened_on", "month")
    assert len(months) >= 4
    for case in CollectionCase.objects.filter(loan__isnull=False).select_related("loan"):
        first_missed = case.loan.transitions.filter(transition="miss_due_date").earliest("at")
        assert case.opened_on >= first_missed.business_date


def test_cases_end_cured_paid_restructured_written_off_or_with_the_lawyers(db):
    reasons = set(CollectionCase.objects.values_list("closing_reason", flat=True))
    assert {"paid_in_full", "cured", "restructured"} <= reasons
    assert CollectionCase.objects.filter(stage=CaseStage.LEGAL).exists()


def test_collectors_call_and_text_and_promises_are_kept_and_broken(db):
    channels = set(ContactAttempt.objects.values_list("channel", flat=True))
    assert {Channel.CALL, Channel.SMS} <= channels
    statuses = set(PromiseToPay.objects.values_list("status", flat=True))
    assert {"kept", "broken"} <= statuses


def test_no_debtor_is_called_twice_on_one_local_day(db):
    calls = ContactAttempt.objects.filter(channel=Channel.CALL).select_related("borrower")
    days = [(c.borrower_id, c.at.astimezone(ZoneInfo(c.borrower.time_zone)).date()) for c in calls]
    assert len(days) == len(set(days))


def test_the_monitoring_window_has_decisions_of_both_segments(db):
    rates = monitoring_report(on=timezone.localdate()).rates
    assert {row["segment"] for row in rates} == {"new", "repeat"}
    assert all(row["total"] > 0 for row in rates)


def test_surveys_are_offered_after_repaid_loans_and_some_are_answered(db):
    # Tonight's close offers the surveys of the loans repaid today.
    closed = Loan.objects.filter(status=LoanStatus.CLOSED, closed_on__lt=timezone.localdate())
    closed = closed.count()
    assert Survey.objects.count() == closed
    answered = Survey.objects.filter(answered_at__isnull=False).aggregate(n=Count("id"))["n"]
    assert 0 < answered < closed


def test_a_borrowers_passport_fits_their_age_when_they_first_applied(db):
    for borrower in Borrower.objects.all():
        first = borrower.loans.earliest("applied_at")
        check = passport_age_check(
            series=borrower.passport_series,
            birth_date=borrower.birth_date,
            on=timezone.localdate(first.applied_at),
        )
        assert check.state == OK, (borrower.passport_series, borrower.birth_date, check.detail)
