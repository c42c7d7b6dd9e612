"""Dashboards that read across apps (DESIGN.md: the top floor owns them)."""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_q.tasks import async_task

from collection import selectors as collection_selectors
from feedback import selectors as feedback_selectors
from kernel import exports
from kernel.roles import ADMINISTRATOR, RISK_MANAGER, UNDERWRITER, role_required
from loans.business_date import current_business_date
from scoring.outcomes import bad_definition, known_outcomes
from underwriting.models import ReviewTask, Verdict
from underwriting.selectors import team_metrics
from zaymer import portfolio
from zaymer.dashboard_tables import shown_table
from zaymer.models import DashboardSnapshot
from zaymer.portfolio import Table


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
    "cards": (_("Virtual cards: limits and balances"), "bar", ["limit_kop", "principal_kop"]),
    "vintages": (_("Vintages: share of loans 30+ days past due"), "bar", ["bad_percent"]),
    "funnel": (_("Approval funnel"), "bar", ["applications"]),
    "time_to_money": (_("Time from application to money"), "bar", ["median_min", "p90_min"]),
    "recovery": (_("Collection: recovery by bucket"), "bar", ["rate_percent"]),
    "nps": (_("NPS and CSAT by month"), "bar", ["nps", "csat"]),
}
PERIODS = (7, 30, 90, 365)


def _days(request) -> int:
    try:
        days = int(request.POST.get("days") or request.GET.get("days", 30))
    except ValueError:
        return 30
    return days if days in PERIODS else 30


def business_tables(*, on: date, periods: tuple[int, ...]) -> dict[int, dict[str, Table]]:
    """Every figure for each period; the figures that do not depend on the period are
    aggregated once."""
    bad_dpd, horizon = bad_definition()
    shared = {
        "portfolio": portfolio.portfolio_at_risk(),
        "balances": portfolio.outstanding_balances(),
        "cards": portfolio.card_book(),
        "vintages": portfolio.vintages(on=on, bad_dpd=bad_dpd, horizon_days=horizon),
        "recovery": collection_recovery(on=on),
    }
    by_period = {}
    for days in periods:
        since = on - timedelta(days=days)
        tables = {
            **shared,
            "issued": portfolio.issued_by_day(since=since, until=on),
            "funnel": portfolio.approval_funnel(since=since),
            "time_to_money": portfolio.time_to_money(since=since),
            "nps": satisfaction_by_month(since=since),
        }
        by_period[days] = {name: tables[name] for name in FIGURES}
    return by_period


def snapshots_build(*, periods: tuple[int, ...] = PERIODS) -> list[DashboardSnapshot]:
    """Aggregate the book for today's business date and keep the tables, one row per period
    (replacing what was built earlier the same day)."""
    on = current_business_date()
    started = time.perf_counter()
    built = business_tables(on=on, periods=periods)
    elapsed = round((time.perf_counter() - started) * 1000)
    return [
        DashboardSnapshot.objects.update_or_create(
            business_date=on,
            days=days,
            defaults={
                "built_at": timezone.now(),
                "build_ms": elapsed,
                "tables": {
                    name: {"columns": table.columns, "rows": table.rows}
                    for name, table in tables.items()
                },
            },
        )[0]
        for days, tables in built.items()
    ]


def business_snapshot(*, days: int) -> DashboardSnapshot:
    """Today's tables for the period, built now if the nightly run has not built them."""
    found = DashboardSnapshot.objects.filter(
        business_date=current_business_date(), days=days
    ).first()
    if found is not None:
        return found
    (snapshot,) = snapshots_build(periods=(days,))
    return DashboardSnapshot.objects.get(pk=snapshot.pk)  # the tables as stored (JSON)


def snapshot_tables(snapshot: DashboardSnapshot) -> dict[str, Table]:
    return {
        name: Table(name, data["columns"], data["rows"]) for name, data in snapshot.tables.items()
    }


def collection_recovery(*, on) -> Table:
    report = collection_selectors.team_report(on=on)
    return Table(
        "recovery",
        ["bucket", "recovered_kop", "owed_kop", "rate_percent"],
        [
            [bucket, got, owed, round(100 * rate, 1) if rate is not None else None]
            for bucket, got, owed, rate in report.recovery
        ],
    )


def _number(value):
    return None if value is None else float(value)


def satisfaction_by_month(*, since) -> Table:
    rows = feedback_selectors.satisfaction_by(dimension="month", since=since)
    return Table(
        "nps",
        ["month", "answers", "nps", "csat"],
        [[row.key, row.answers, _number(row.nps), _number(row.csat)] for row in rows],
    )


def _rebuilding_since(request) -> datetime | None:
    """The build time of the figures a rebuild was asked to replace (from the redirect)."""
    try:
        return datetime.fromtimestamp(float(request.GET.get("rebuilding", "")), tz=UTC)
    except (ValueError, OverflowError, OSError):  # not a number, nan, or out of range
        return None


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business(request):
    days = _days(request)
    snapshot = business_snapshot(days=days)
    tables = snapshot_tables(snapshot)
    figures = []
    for name, (heading, chart, drawn) in FIGURES.items():
        shown = shown_table(tables[name])
        figures.append(
            {
                "name": name,
                "heading": heading,
                "chart": chart,
                "series": [tables[name].columns.index(column) for column in drawn],
                "table": shown,
                "data": shown.chart_data(),
                "data_id": f"data-{name}",
            }
        )
    since = _rebuilding_since(request)
    context = {
        "figures": figures,
        "days": days,
        "periods": PERIODS,
        "snapshot": snapshot,
        "rebuilding": since is not None and snapshot.built_at <= since,
        "rebuilding_stamp": request.GET.get("rebuilding", ""),
    }
    return render(request, "dashboards/business.html", context)


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business_rebuild_status(request):
    """Polled by the page while a rebuild runs: 204 until newer figures exist, then htmx is
    told to refresh the page (and to stop polling)."""
    since = _rebuilding_since(request)
    newer = DashboardSnapshot.objects.filter(
        business_date=current_business_date(), days=_days(request)
    )
    if since is None or newer.filter(built_at__gt=since).exists():
        response = HttpResponse(status=286)  # htmx: stop polling
        response["HX-Refresh"] = "true"
        return response
    return HttpResponse(status=204)


def snapshots_build_task(days: int) -> str:
    """django-q2: a risk manager's rebuild, off the request (at a million loans it takes
    longer than a web worker may)."""
    (snapshot,) = snapshots_build(periods=(days,))
    return f"{snapshot.business_date}, {days} days: {snapshot.build_ms} ms"


@require_POST
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business_rebuild(request):
    """Aggregate the book again (payments during the day move the live figures); the page
    shows the rebuild under way and refreshes itself when the new figures are in."""
    days = _days(request)
    built_at = (
        DashboardSnapshot.objects.filter(business_date=current_business_date(), days=days)
        .values_list("built_at", flat=True)
        .first()
    )
    transaction.on_commit(lambda: async_task("zaymer.dashboards.snapshots_build_task", days))
    stamp = built_at.timestamp() if built_at else 0
    return redirect(f"{reverse('dashboards')}?days={days}&rebuilding={stamp}")


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def business_download(request, name: str, fmt: str):
    """A figure's table as a spreadsheet (CSV for a Russian Excel, or XLSX)."""
    if name not in FIGURES:
        raise Http404
    table = snapshot_tables(business_snapshot(days=_days(request)))[name]
    sheet = shown_table(table).sheet(str(FIGURES[name][0]))
    return exports.download(sheet, filename=name, fmt=fmt)
