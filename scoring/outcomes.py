"""Which past loans went bad: the training target, rebuilt from the transition log.

A loan is bad when its days past due reach `bad_dpd` no later than `horizon_days` after the
due date of its original schedule (the only due date of a payday loan, the last installment of
an instalment loan), or when it was written off. Its outcome is known once it is bad, closed,
or the window has passed (what monitoring reads); it has matured once the window has passed,
whatever happened in it (what training reads: keeping the loans already repaid or already bad
of a cohort whose window is still open would bias its bad rate by censoring).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Max

from loans.models import Loan, LoanStatus, ScheduleItem, TransitionLog

S = LoanStatus
EPISODE_ENDS = ("cure", "repay_in_full", "write_off")


def bad_definition() -> tuple[int, int]:
    return (
        int(getattr(settings, "SCORING_BAD_DPD", 30)),
        int(getattr(settings, "SCORING_BAD_HORIZON_DAYS", 90)),
    )


@dataclass(frozen=True)
class Outcome:
    loan_id: int
    signed_on: date
    due_date: date
    bad: bool


@dataclass(frozen=True)
class _Observed:
    outcome: Outcome
    window_end: date
    closed: bool


@dataclass(frozen=True)
class Matured:
    outcomes: list[Outcome]
    immature: int  # issued loans whose window has not ended: left out, never counted good


def known_outcomes(*, on: date, bad_dpd: int, horizon_days: int) -> list[Outcome]:
    """Outcomes known on business date `on` (COB has closed every day before it)."""
    return [
        o.outcome
        for o in _observed(on=on, bad_dpd=bad_dpd, horizon_days=horizon_days)
        if o.outcome.bad or o.closed or o.window_end < on
    ]


def matured_outcomes(*, on: date, bad_dpd: int, horizon_days: int) -> Matured:
    """The outcomes of the loans whose window ended before business date `on`."""
    observed = _observed(on=on, bad_dpd=bad_dpd, horizon_days=horizon_days)
    matured = [o.outcome for o in observed if o.window_end < on]
    return Matured(outcomes=matured, immature=len(observed) - len(matured))


def _observed(*, on: date, bad_dpd: int, horizon_days: int) -> list[_Observed]:
    loans = {
        pk: (signed_on, status)
        for pk, signed_on, status in Loan.objects.filter(
            issue_date__isnull=False,
            status__in=(S.SERVICED, S.OVERDUE, S.CLOSED, S.WRITTEN_OFF),
        ).values_list("pk", "signed_on", "status")
    }
    due_dates = dict(
        ScheduleItem.objects.filter(loan_id__in=loans, version=1)
        .values("loan_id")
        .annotate(due=Max("due_date"))
        .values_list("loan_id", "due")
    )
    episodes: dict[int, list[tuple[date, date | None]]] = {}
    starts: dict[int, date] = {}
    log = TransitionLog.objects.filter(
        loan_id__in=loans, transition__in=("miss_due_date", *EPISODE_ENDS)
    ).values_list("loan_id", "transition", "business_date")
    for loan_id, name, day in log.order_by("at", "id"):
        if name == "miss_due_date":
            starts[loan_id] = day
        elif loan_id in starts:
            episodes.setdefault(loan_id, []).append((starts.pop(loan_id), day))
    for loan_id, since in starts.items():
        episodes.setdefault(loan_id, []).append((since, None))

    observed = []
    for pk, (signed_on, status) in loans.items():
        due = due_dates.get(pk)
        if due is None:
            continue
        window_end = due + timedelta(days=horizon_days)
        bad = status == S.WRITTEN_OFF or any(
            _reached(start, end, bad_dpd=bad_dpd, by=min(window_end, on - timedelta(days=1)))
            for start, end in episodes.get(pk, [])
        )
        observed.append(
            _Observed(
                outcome=Outcome(loan_id=pk, signed_on=signed_on, due_date=due, bad=bad),
                window_end=window_end,
                closed=status == S.CLOSED,
            )
        )
    return sorted(observed, key=lambda o: (o.outcome.signed_on, o.outcome.loan_id))


def _reached(start: date, end: date | None, *, bad_dpd: int, by: date) -> bool:
    # Overdue since `start` means 1 day past due on `start`, so `bad_dpd` falls on `reached`;
    # an episode that ended on `end` was past due up to the day before.
    reached = start + timedelta(days=bad_dpd - 1)
    return reached <= by and (end is None or end > reached)
