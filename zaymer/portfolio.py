"""The business in figures for the dashboards. Every figure is aggregated by the database; only
the rows of the final tables come back (for the time-to-money percentiles, one duration per
loan of the window)."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth

from cards.models import CreditLine
from loans.models import Loan, LoanStatus, PayoutOrder, ScheduleItem, TransitionLog
from loans.models.payments import PayoutStatus
from scoring.outcomes import EPISODE_ENDS
from underwriting.selectors import percentile

S = LoanStatus
LIVE = (S.SERVICED, S.OVERDUE)
PAR_DAYS = (1, 30, 60, 90)


@dataclass(frozen=True)
class Table:
    """A figure's table: the chart draws it, the CSV is it."""

    title: str
    columns: list[str]
    rows: list[list]


def issued_by_day(*, since: date, until: date) -> Table:
    rows = (
        Loan.objects.filter(issue_date__gte=since, issue_date__lte=until)
        .values("issue_date")
        .annotate(loans=Count("id"), principal=Sum("principal_kop"))
        .order_by("issue_date")
    )
    return Table(
        "issued",
        ["date", "loans", "principal_kop"],
        [[row["issue_date"], row["loans"], row["principal"] or 0] for row in rows],
    )


def portfolio_at_risk() -> Table:
    """Outstanding principal of live loans, and the share past due by 1/30/60/90+ days."""
    sums = {"total": Sum("principal_out_kop"), "loans": Count("id")}
    for days in PAR_DAYS:
        sums[f"par{days}"] = Sum("principal_out_kop", filter=Q(days_past_due__gte=days))
    totals = Loan.objects.filter(status__in=LIVE).aggregate(**sums)
    total = totals["total"] or 0
    rows = [["outstanding", totals["loans"], total, 100.0 if total else 0.0]]
    for days in PAR_DAYS:
        at_risk = totals[f"par{days}"] or 0
        share = round(100 * at_risk / total, 2) if total else 0.0
        rows.append([f"PAR {days}+", None, at_risk, share])
    return Table("portfolio", ["measure", "loans", "principal_kop", "share_percent"], rows)


def card_book() -> Table:
    """The virtual cards by status: lines, limits, what is drawn and owed, and the arrears of
    missed minimum payments."""
    rows = (
        CreditLine.objects.values("status")
        .annotate(
            lines=Count("id"),
            limit=Sum("limit_kop"),
            principal=Sum("principal_out_kop"),
            interest=Sum("interest_out_kop"),
            arrears=Sum("overdue_kop"),
        )
        .order_by("status")
    )
    return Table(
        "cards",
        [
            "status",
            "lines",
            "limit_kop",
            "principal_kop",
            "interest_kop",
            "arrears_kop",
            "used_percent",
        ],
        [
            [
                row["status"],
                row["lines"],
                row["limit"],
                row["principal"],
                row["interest"],
                row["arrears"],
                round(100 * row["principal"] / row["limit"], 1) if row["limit"] else 0.0,
            ]
            for row in rows
        ],
    )


def outstanding_balances() -> Table:
    totals = Loan.objects.filter(status__in=LIVE).aggregate(
        principal=Sum("principal_out_kop"),
        interest=Sum("interest_out_kop"),
        penalty=Sum("penalty_out_kop"),
        fees=Sum("fees_out_kop"),
    )
    return Table(
        "balances",
        ["part", "amount_kop"],
        [[part, amount or 0] for part, amount in totals.items()],
    )


def _bad_episode_loans(*, bad_dpd: int, horizon_days: int, by: date) -> QuerySet:
    """Scoring's training target in SQL (scoring.outcomes): the overdue episodes that reached
    `bad_dpd` days past due by `by` and no later than `horizon_days` after the due date of
    the loan's original schedule, with no cure or repayment before they got there. Read from
    the missed-due-date rows (a minority of the book), not loan by loan."""
    ends = TransitionLog.objects.filter(
        loan_id=OuterRef("loan_id"),
        transition__in=EPISODE_ENDS,
        business_date__gte=OuterRef("business_date"),
        business_date__lt=ExpressionWrapper(
            OuterRef("business_date") + timedelta(days=bad_dpd), output_field=DateField()
        ),
    )
    original_due = (
        ScheduleItem.objects.filter(loan_id=OuterRef("loan_id"), version=1)
        .order_by("-due_date")
        .values("due_date")[:1]
    )
    # Past due 1 day on the day the episode starts, so `bad_dpd` falls `bad_dpd - 1` later.
    latest_start = ExpressionWrapper(
        F("original_due") + timedelta(days=horizon_days - bad_dpd + 1), output_field=DateField()
    )
    return (
        TransitionLog.objects.filter(transition="miss_due_date", business_date__lte=by)
        .exclude(loan__status=S.WRITTEN_OFF)
        .annotate(original_due=Subquery(original_due))
        .filter(business_date__lte=latest_start)
        .filter(~Exists(ends))
    )


def vintages(*, on: date, bad_dpd: int, horizon_days: int) -> Table:
    """By month of issue: loans issued, how many went bad as scoring's target defines it
    (written off counts as bad), and the share. The share of a recent month grows as its loans
    mature; read it against their age."""
    issued = (
        Loan.objects.filter(issue_date__isnull=False)
        .annotate(month=TruncMonth("issue_date"))
        .values("month")
        .annotate(loans=Count("id"), written_off=Count("id", filter=Q(status=S.WRITTEN_OFF)))
        .order_by("month")
    )
    went_bad = dict(
        _bad_episode_loans(
            bad_dpd=bad_dpd, horizon_days=horizon_days, by=on - timedelta(days=bad_dpd)
        )
        .annotate(month=TruncMonth("loan__issue_date"))
        .values("month")
        .annotate(loans=Count("loan_id", distinct=True))
        .values_list("month", "loans")
    )
    rows = []
    for row in issued:
        bad = row["written_off"] + went_bad.get(row["month"], 0)
        rows.append([row["month"], row["loans"], bad, round(100 * bad / row["loans"], 2)])
    return Table("vintages", ["month", "loans", "bad", "bad_percent"], rows)


def _start_of(day: date) -> datetime:
    """Midnight of a business date in the project's time zone, for range filters an index
    can serve (`applied_at__date` cannot)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _did(*transitions: str, robot: bool = False) -> Exists:
    steps = TransitionLog.objects.filter(loan_id=OuterRef("pk"), transition__in=transitions)
    return Exists(steps.filter(actor__isnull=True) if robot else steps)


def approval_funnel(*, since: date) -> Table:
    """Applications since a date through each step, with the robot's share of decisions."""
    counts = Loan.objects.filter(applied_at__gte=_start_of(since)).aggregate(
        total=Count("id"),
        scored=Count("id", filter=_did("score")),
        referred=Count("id", filter=_did("refer")),
        approved=Count("id", filter=_did("approve")),
        declined=Count("id", filter=_did("decline")),
        by_robot=Count("id", filter=_did("approve", "decline", robot=True)),
        signed=Count("id", filter=Q(signed_at__isnull=False)),
        paid=Count("id", filter=Q(issue_date__isnull=False)),
    )
    decided = counts["approved"] + counts["declined"]
    rows = [
        ["applied", counts["total"]],
        ["scored", counts["scored"]],
        ["referred", counts["referred"]],
        ["approved", counts["approved"]],
        ["declined", counts["declined"]],
        ["signed", counts["signed"]],
        ["paid out", counts["paid"]],
        [
            "decided by the robot, %",
            round(100 * counts["by_robot"] / decided, 1) if decided else 0.0,
        ],
    ]
    return Table("funnel", ["step", "applications"], rows)


def time_to_money(*, since: date) -> Table:
    """Minutes from application to the payout confirmed, by new and repeat borrowers (the
    12-minute and 2-minute promises, as measured)."""
    earlier_closed = Loan.objects.filter(
        borrower_id=OuterRef("loan__borrower_id"), pk__lt=OuterRef("loan_id"), status=S.CLOSED
    )
    paid = (
        PayoutOrder.objects.filter(
            status=PayoutStatus.SUCCEEDED, loan__applied_at__gte=_start_of(since)
        )
        .annotate(repeat=Exists(earlier_closed), applied=F("loan__applied_at"))
        .values_list("repeat", "applied", "updated_at")
    )
    minutes: dict[str, list[float]] = {"new": [], "repeat": []}
    for repeat, applied, paid_at in paid:
        minutes["repeat" if repeat else "new"].append((paid_at - applied).total_seconds() / 60)
    rows = []
    for segment, values in minutes.items():
        values.sort()
        rows.append(
            [
                segment,
                len(values),
                round(statistics.median(values), 1) if values else None,
                round(percentile(values, 0.9), 1) if values else None,
            ]
        )
    return Table("time_to_money", ["segment", "loans", "median_min", "p90_min"], rows)
