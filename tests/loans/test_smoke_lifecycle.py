import datetime as dt

from django.core.management import call_command

from loans import services
from loans.cob import run_cob_until
from loans.models import Loan, LoanStatus
from tests.factories import live_loan


def test_pdl_issued_accrues_goes_overdue_and_is_repaid(
    business_date, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        loan = live_loan(on=business_date)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SERVICED
    run_cob_until(until=business_date + dt.timedelta(days=30))
    loan.refresh_from_db()
    assert loan.status == LoanStatus.OVERDUE
    assert loan.interest_out_kop == 30 * 8000
    assert loan.days_past_due == 1
    services.loan_repay(loan=loan, amount_kop=loan.debt_kop + 10_000, provider="sbx", event_id="e1")
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == LoanStatus.CLOSED
    call_command("ledger_check")
