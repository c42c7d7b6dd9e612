"""Dashboards that read across apps (DESIGN.md: the top floor owns them)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loans.business_date import current_business_date
from loans.roles import ADMINISTRATOR, RISK_MANAGER, UNDERWRITER, role_required
from scoring.outcomes import bad_definition, known_outcomes
from underwriting.models import ReviewTask, Verdict
from underwriting.selectors import team_metrics


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
