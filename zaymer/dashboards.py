"""Dashboards that read across apps (DESIGN.md: the top floor owns them)."""

import csv
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from collection import selectors as collection_selectors
from feedback import selectors as feedback_selectors
from loans.business_date import current_business_date
from loans.roles import ADMINISTRATOR, RISK_MANAGER, UNDERWRITER, role_required
from scoring.outcomes import bad_definition, known_outcomes
from underwriting.models import ReviewTask, Verdict
from underwriting.selectors import team_metrics
from zaymer import portfolio


@dataclass(frozen=True)
class ApprovalPerformance:
    who: str
    matured: int
    bad: int

    @property
    def bad_rate(self) -> float | None:
        return self.bad / self.matured if self.matured else None


def approval_performance() -> list[ApprovalPerformance]:
    """Default rate of paid-out loans whose outcome is known: people's approvals against the
    robot's. 'Default' is scoring's training target (days past due within the horizon)."""
    bad_dpd, horizon = bad_definition()
    outcomes = known_outcomes(on=current_business_date(), bad_dpd=bad_dpd, horizon_days=horizon)
    by_people = set(
        ReviewTask.objects.filter(verdict=Verdict.APPROVE).values_list("loan_id", flat=True)
    )
    referred = set(ReviewTask.objects.values_list("loan_id", flat=True))
    people = [o for o in outcomes if o.loan_id in by_people]
    robot = [o for o in outcomes if o.loan_id not in referred]
    return [
        ApprovalPerformance("underwriters", len(people), sum(o.bad for o in people)),
        ApprovalPerformance("robot", len(robot), sum(o.bad for o in robot)),
    ]


@require_GET
@role_required(UNDERWRITER, RISK_MANAGER, ADMINISTRATOR)
@permission_required("underwriting.view_team_metrics", raise_exception=True)
def underwriting_metrics(request):
    try:
        hours = min(max(float(request.GET.get("hours", 8)), 1.0), 24.0 * 31)
    except ValueError:
        hours = 8.0
    context = {
        "metrics": team_metrics(hours=hours),
        "performance": approval_performance(),
        "hours": hours,
    }
    return render(request, "underwriting/metrics.html", context)


# --- the business dashboard ----------------------------------------------------------------

# name → (heading, chart type, the columns drawn)
FIGURES = {
    "issued": (_("Issued by day"), "bar", ["loans", "principal_kop"]),
    "portfolio": (_("Portfolio at risk"), "bar", ["share_percent"]),
    "balances": (_("Outstanding balances"), "doughnut", ["amount_kop"]),
    "vintages": (_("Vintages: share of loans 30+ days past due"), "bar", ["bad_percent"]),
    "funnel": (_("Approval funnel"), "bar", ["applications"]),
    "time_to_money": (_("Time from application to money"), "bar", ["median_min", "p90_min"]),
    "recovery": (_("Collection: recovery by bucket"), "bar", ["rate_percent"]),
    "nps": (_("NPS and CSAT by month"), "bar", ["nps", "csat"]),
}
PERIODS = (7, 30, 90, 365)


def _days(request) -> int:
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in PERIODS else 30


def business_tables(*, days: int) -> dict[str, portfolio.Table]:
    on = current_business_date()
    since = on - timedelta(days=days)
    bad_dpd, horizon = bad_definition()
    return {
        "issued": portfolio.issued_by_day(since=since, until=on),
        "portfolio": portfolio.portfolio_at_risk(),
        "balances": portfolio.outstanding_balances(),
        "vintages": portfolio.vintages(on=on, bad_dpd=bad_dpd, horizon_days=horizon),
        "funnel": portfolio.approval_funnel(since=since),
        "time_to_money": portfolio.time_to_money(since=since),
        "recovery": collection_recovery(on=on),
        "nps": satisfaction_by_month(since=since),
    }


def collection_recovery(*, on) -> portfolio.Table:
    report = collection_selectors.team_report(on=on)
    return portfolio.Table(
        "recovery",
        ["bucket", "recovered_kop", "owed_kop", "rate_percent"],
        [
            [bucket, got, owed, round(100 * rate, 1) if rate is not None else None]
            for bucket, got, owed, rate in report.recovery
        ],
    )


def _number(value):
    return None if value is None else float(value)


def satisfaction_by_month(*, since) -> portfolio.Table:
    rows = feedback_selectors.satisfaction_by(dimension="month", since=since)
    return portfolio.Table(
        "nps",
        ["month", "answers", "nps", "csat"],
        [[row.key, row.answers, _number(row.nps), _number(row.csat)] for row in rows],
    )


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business(request):
    days = _days(request)
    tables = business_tables(days=days)
    figures = [
        {
            "name": name,
            "heading": heading,
            "chart": chart,
            "series": [tables[name].columns.index(column) for column in drawn],
            "table": tables[name],
            "data": {"columns": tables[name].columns, "rows": tables[name].rows},
            "data_id": f"data-{name}",
        }
        for name, (heading, chart, drawn) in FIGURES.items()
    ]
    return render(
        request, "dashboards/business.html", {"figures": figures, "days": days, "periods": PERIODS}
    )


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business_csv(request, name: str):
    if name not in FIGURES:
        raise Http404
    table = business_tables(days=_days(request))[name]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return response
