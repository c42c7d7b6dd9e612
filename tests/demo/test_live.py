"""While the demo runs, applicants keep the review queue fresh (demo.live)."""

import datetime as dt

import pytest
from django.utils import timezone

from demo import live
from demo.accounts import ensure_accounts
from demo.products import ensure_products
from loans.models import Loan, LoanStatus
from scoring.models import ScoreResult
from tests.underwriting.conftest import referred_task
from underwriting.models import ReviewTask, TaskStatus


@pytest.fixture
def demo_world(business_date):
    ensure_products()
    ensure_accounts(password="demo-secret-4321")


def test_an_applicant_arrives_and_is_scored_while_few_tasks_are_fresh(demo_world):
    assert live.arrivals().startswith("1 applicant(s) arrived")
    loan = Loan.objects.get()
    assert ScoreResult.objects.filter(loan=loan).exists()
    assert loan.status in (LoanStatus.IN_REVIEW, LoanStatus.APPROVED, LoanStatus.REJECTED)


def test_nobody_arrives_while_enough_tasks_are_within_their_deadline(demo_world, monkeypatch):
    monkeypatch.setattr(live, "FRESH_TASKS", 1)
    referred_task()
    assert live.arrivals().startswith("0 applicant(s) arrived")
    assert Loan.objects.count() == 1


def test_an_applicant_left_waiting_long_past_the_deadline_withdraws(demo_world):
    task = referred_task()
    late = timezone.now() - live.PATIENCE - dt.timedelta(minutes=11)
    ReviewTask.objects.filter(pk=task.pk).update(due_at=late)
    assert live.withdraw_the_weary(timezone.now()) == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.WITHDRAWN
    assert task.loan.status == LoanStatus.CANCELLED


def test_seed_demo_schedules_the_arrivals(demo_world):
    live.ensure_schedule()
    live.ensure_schedule()
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name=live.SCHEDULE)
    assert (schedule.func, schedule.minutes) == ("demo.live.arrivals", 2)
