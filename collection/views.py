"""The claim package of a case handed over to legal: a print-ready page, or CSV for lawyers.
The collector's workbench pages are built on the services and selectors elsewhere."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from collection import selectors, services
from collection.models import CaseStage, CollectionCase
from loans.business_date import current_business_date
from loans.roles import ADMINISTRATOR, COLLECTOR, role_required


@require_GET
@role_required(COLLECTOR, ADMINISTRATOR)
def claim_package(request, case_id: int):
    case = get_object_or_404(CollectionCase, pk=case_id, stage=CaseStage.LEGAL)
    if not services.is_team_lead(request.user) and case.collector_id != request.user.pk:
        raise Http404
    package = selectors.claim_package(case=case, on=current_business_date())
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            selectors.claim_package_csv(package), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="claim-{case.pk}.csv"'
        return response
    return render(request, "collection/claim_package.html", {"package": package})
