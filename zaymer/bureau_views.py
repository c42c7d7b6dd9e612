"""The staff page of credit-history reporting: events late or at risk, by bureau."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from kernel.roles import ADMINISTRATOR, RISK_MANAGER, role_required
from loans.bureau_outbox import deadline_report, deadline_working_days
from loans.business_date import current_business_date
from loans.models import BureauSubmission, SubmissionStatus


@require_GET
@role_required(RISK_MANAGER, ADMINISTRATOR)
def bureau_deadlines(request):
    today = current_business_date()
    rejected = (
        BureauSubmission.objects.filter(status=SubmissionStatus.REJECTED)
        .select_related("event")
        .order_by("deadline", "pk")[:50]
    )
    context = {
        "today": today,
        "working_days": deadline_working_days(),
        "report": deadline_report(today=today),
        "rejected": rejected,
    }
    return render(request, "dashboards/bureaus.html", context)
