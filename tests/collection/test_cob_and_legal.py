"""The daily steps, pre-collection, the command and the claim package."""

import datetime as dt

import pytest
from django.urls import include, path, reverse

from collection import services
from collection.cob import run_collection_day, step_pre_collection
from collection.models import (
    CaseStage,
    CollectionCase,
    CollectionDay,
    PreCollectionReminder,
    ReminderStatus,
)
from collection.selectors import claim_package, claim_package_csv
from collection.tasks import send_planned_reminders
from loans.business_date import current_business_date
from loans.ledger import loan_ledger_balances
from loans.models import BorrowerMessage, Loan, TransitionLog
from tests.collection.conftest import DUE, ISSUED, msk, overdue_loan
from tests.factories import BorrowerFactory
from tests.loans.helpers import issued, manage, open_day, repay
from zaymer import urls as project_urls

pytestmark = pytest.mark.django_db

urlpatterns = [
    *project_urls.urlpatterns,
    path("collection/", include("collection.urls")),
]


def test_the_day_opens_cases_for_new_overdue_loans_once(collector):
    loan = overdue_loan(days=2)
    run_collection_day(on=DUE + dt.timedelta(days=1), at=msk(2026, 12, 4, 1))
    case = CollectionCase.objects.get(loan=loan)
    assert (case.stage, case.bucket, case.collector) == (CaseStage.SOFT, "1-30", collector)
    assert case.debt_kop == loan.debt_kop
    assert case.overdue_principal_kop == loan.principal_overdue_kop
    run_collection_day(on=DUE, at=msk(2026, 12, 4, 1))
    assert CollectionCase.objects.filter(loan=loan).count() == 1


def test_a_day_the_loan_core_has_not_closed_is_refused():
    assert manage("collection_day", "--on", "2030-01-01") != 0
    assert manage("collection_day", "--on", "not-a-date") != 0
    assert not CollectionDay.objects.exists()


def test_the_command_runs_a_closed_day(collector, capsys):
    overdue_loan(days=2)
    assert manage("collection_day", "--on", (DUE + dt.timedelta(days=1)).isoformat()) == 0
    assert "open_cases 1" in capsys.readouterr().out


def test_pre_collection_reminds_the_likely_late_inside_allowed_hours():
    late_before = BorrowerFactory(time_zone="Asia/Vladivostok")
    earlier = issued(on=ISSUED - dt.timedelta(days=60), borrower=late_before)
    TransitionLog.objects.create(
        loan=earlier,
        transition="miss_due_date",
        source="serviced",
        target="overdue",
        actor_label="system",
    )
    likely = issued(on=ISSUED, borrower=late_before)
    open_day(DUE - dt.timedelta(days=2))
    on = current_business_date() - dt.timedelta(days=1)
    # Due in 3 days; COB at 00:05 Moscow is 07:05 in Vladivostok: wait for 08:00 there.
    at = msk(2026, 11, 30, 0, 5)
    assert step_pre_collection(on, at) >= 1
    reminder = PreCollectionReminder.objects.get(loan=likely)
    assert reminder.method == "rules" and reminder.lateness_probability >= 0.3
    assert reminder.send_at == msk(2026, 11, 30, 1, 0)
    assert step_pre_collection(on, at) == 0  # once per due date
    assert send_planned_reminders(now=msk(2026, 11, 30, 0, 30)) == "sent 0, refused 0"
    assert send_planned_reminders(now=msk(2026, 11, 30, 1, 0)) == "sent 1, refused 0"
    assert BorrowerMessage.objects.filter(kind="collection_reminder").count() == 1
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_a_first_time_borrower_on_time_is_not_reminded():
    first = issued(on=ISSUED)
    Loan.objects.exclude(pk=first.pk).delete()
    open_day(DUE - dt.timedelta(days=2))
    on = current_business_date() - dt.timedelta(days=1)
    step_pre_collection(on, msk(2026, 11, 30, 10))
    # A first loan without history: 0.1 + 0.1 < the 0.3 threshold.
    assert not PreCollectionReminder.objects.filter(loan=first).exists()


@pytest.fixture
def legal_case(case, team_lead):
    repay(case.loan, 12_345)
    return services.case_hand_over_to_legal(case=case, actor=team_lead)


def test_the_claim_package_matches_the_ledger(legal_case):
    loan = Loan.objects.get(pk=legal_case.loan_id)
    ledger = loan_ledger_balances(loan_id=loan.pk)
    package = claim_package(case=legal_case, on=current_business_date())
    debt = dict(package.debt)
    assert debt["Основной долг"] == ledger.principal_kop
    assert debt["Проценты"] == ledger.interest_kop
    assert debt["Неустойка"] == ledger.penalty_kop
    assert debt["Комиссии"] == ledger.fees_kop
    assert package.debt_total_kop == loan.debt_kop
    assert [p.amount_kop for p in package.payments] == [12_345]
    caps = dict(package.caps)
    assert (
        caps["Предел всех начислений, × суммы займа"]
        == loan.limits_snapshot["charges_cap_multiplier"]
    )
    csv_text = claim_package_csv(package)
    assert f"debt_kop,Итого,{loan.debt_kop}" in csv_text
    assert "payment_kop,2026-12-05,12345" in csv_text


@pytest.mark.urls(__name__)
def test_the_claim_package_page_and_csv(client, legal_case, collector, other_collector):
    url = reverse("collection:claim-package", args=[legal_case.pk])
    client.force_login(collector)
    page = client.get(url)
    assert page.status_code == 200
    assert f"№ {legal_case.loan_id}" in page.content.decode()
    download = client.get(url, {"format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    client.force_login(other_collector)
    assert client.get(url).status_code == 404
