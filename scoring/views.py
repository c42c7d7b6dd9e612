from django.shortcuts import render

from kernel.roles import ADMINISTRATOR, RISK_MANAGER, role_required
from loans.business_date import current_business_date
from scoring.monitoring import PSI_ALERT, monitoring_report


@role_required(RISK_MANAGER, ADMINISTRATOR)
def monitoring(request):
    report = monitoring_report(on=current_business_date())
    return render(request, "scoring/monitoring.html", {"report": report, "psi_alert": PSI_ALERT})
