"""While the demo runs: applicants keep arriving, so the underwriters' queue always holds work
that is fresh, some near its deadline and a few late.

`seed_demo` creates a django-q2 schedule that runs `arrivals` every two minutes: applicants
whose task is long past its deadline withdraw, and while fewer than `FRESH_TASKS` tasks are
within their deadline one applicant arrives, new or returning, scored and routed by the same
services as the history's applicants.
"""

from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.models import Schedule

from demo.people import Persona
from demo.simulator import PortfolioSimulator
from loans import services
from loans.models import Borrower, LoanStatus
from loans.models.borrowers import age_years
from underwriting import services as underwriting_services
from underwriting.models import ReviewTask, TaskStatus

SCHEDULE = "demo-applicants-arrive"
FRESH_TASKS = 6
PATIENCE = timedelta(minutes=45)  # after its deadline an applicant waits this long, then goes
RETURNING_SHARE = 0.35
S = LoanStatus
UNFINISHED = (S.APPLIED, S.SCORED, S.IN_REVIEW, S.APPROVED, S.DISBURSED, S.SERVICED, S.OVERDUE)


def ensure_schedule() -> None:
    Schedule.objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "demo.live.arrivals",
            "schedule_type": Schedule.MINUTES,
            "minutes": 2,
            "repeats": -1,
        },
    )


def arrivals(now: datetime | None = None) -> str:
    now = now or timezone.now()
    withdrawn = withdraw_the_weary(now)
    fresh = ReviewTask.objects.filter(status=TaskStatus.OPEN, due_at__gt=now).count()
    arrived = 0
    if fresh < FRESH_TASKS:
        arrive(now)
        arrived = 1
    return f"{arrived} applicant(s) arrived, {withdrawn} withdrew"


@transaction.atomic
def withdraw_the_weary(now: datetime) -> int:
    """Applications nobody is working on, waiting `PATIENCE` past their deadline."""
    idle = now - timedelta(minutes=float(settings.UNDERWRITING_IDLE_RELEASE_MINUTES))
    weary = (
        ReviewTask.objects.filter(
            status=TaskStatus.OPEN, loan__status=S.IN_REVIEW, due_at__lt=now - PATIENCE
        )
        .filter(Q(assigned_to=None) | Q(last_seen_at__lt=idle))
        .select_related("loan")
        .order_by("pk")
    )
    count = 0
    for task in weary:
        services.loan_cancel(loan=task.loan, reason="the borrower withdrew the application")
        count += 1
    underwriting_services.review_withdraw_stale()
    return count


@transaction.atomic
def arrive(now: datetime) -> None:
    """One applicant, scored and routed now; a referred one waits in the queue."""
    simulator = PortfolioSimulator(
        borrowers=1, days=0, seed=int(now.timestamp()), today=timezone.localdate(), real_now=now
    )
    persona = simulator._personas()[0]
    if simulator.rng.random() < RETURNING_SHARE:
        persona = _returning(simulator, persona)
    simulator.ev_queue_arrival(persona)


def _returning(simulator: PortfolioSimulator, persona: Persona) -> Persona:
    """An earlier borrower, every loan repaid, applies again (a new person if there is none)."""
    idle = (
        Borrower.objects.filter(loans__status=S.CLOSED)
        .exclude(loans__status__in=UNFINISHED)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = list(idle)
    if not ids:
        return persona
    borrower = Borrower.objects.select_related("region").get(pk=simulator.rng.choice(ids))
    closed = borrower.loans.filter(status=S.CLOSED).count()
    return replace(
        persona,
        borrower=borrower,
        age=age_years(borrower.birth_date, simulator.today),
        region=borrower.region,
        employment=borrower.employment,
        income_rub=borrower.declared_income_kop // 100,
        closed_loans=closed,
        good_loans=closed,
    )
