from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from loans.business_date import current_business_date
from scoring.monitoring import PSI_ALERT, monitoring_report


@staff_member_required
def monitoring(request):
    report = monitoring_report(on=current_business_date())
    return render(request, "scoring/monitoring.html", {"report": report, "psi_alert": PSI_ALERT})
