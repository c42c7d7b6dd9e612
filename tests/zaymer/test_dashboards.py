"""The business dashboard's figures against a hand-built portfolio."""

import datetime as dt
from io import BytesIO
from unittest import mock

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from openpyxl import load_workbook

from loans.models import Loan, ScheduleItem, TransitionLog
from scoring.outcomes import known_outcomes
from tests.factories import BorrowerFactory, applied_loan
from tests.loans.helpers import issued, open_day
from zaymer import portfolio
from zaymer.dashboards import PERIODS, snapshot_tables
from zaymer.models import DashboardSnapshot
from zaymer.tasks import run_cob

DAY = dt.date(2026, 11, 2)


def shaped(loan: Loan, **fields) -> Loan:
    """Give an issued loan the balances and lateness of the portfolio being built."""
    Loan.objects.filter(pk=loan.pk).update(**fields)
    return Loan.objects.get(pk=loan.pk)


@pytest.fixture
def book(business_date):
    """Four live loans of 10 000 ₽ issued on DAY: current, 5, 45 and 95 days past due."""
    loans = [issued(on=DAY) for _ in range(4)]
    for loan, dpd in zip(loans, (0, 5, 45, 95), strict=True):
        shaped(loan, days_past_due=dpd, status="overdue" if dpd else "serviced")
    return loans


def test_portfolio_at_risk_shares(book):
    rows = {row[0]: row for row in portfolio.portfolio_at_risk().rows}
    assert rows["outstanding"][1:3] == [4, 4_000_000]
    assert rows["PAR 1+"][2:] == [3_000_000, 75.0]
    assert rows["PAR 30+"][2:] == [2_000_000, 50.0]
    assert rows["PAR 60+"][2:] == [1_000_000, 25.0]
    assert rows["PAR 90+"][2:] == [1_000_000, 25.0]


def test_issued_by_day_counts_and_sums(book):
    table = portfolio.issued_by_day(since=DAY, until=DAY)
    assert table.rows == [[DAY, 4, 4_000_000]]


def test_outstanding_balances_sum_the_live_loans(book):
    rows = dict(portfolio.outstanding_balances().rows)
    assert rows["principal"] == 4_000_000


def test_the_funnel_counts_each_step_and_the_robots_share(business_date):
    issued(on=DAY)  # applied → scored → approved by the robot → signed → paid out
    applied_loan()  # only applied
    table = dict(portfolio.approval_funnel(since=DAY - dt.timedelta(days=1)).rows)
    assert table["applied"] == 2 and table["scored"] == 1 and table["approved"] == 1
    assert table["signed"] == 1 and table["paid out"] == 1
    assert table["decided by the robot, %"] == 100.0


def test_a_vintage_counts_loans_whose_episode_reached_30_days(business_date):
    bad, cured = issued(on=DAY), issued(on=DAY)
    for loan in (bad, cured):
        TransitionLog.objects.create(
            loan=loan, transition="miss_due_date", source="serviced", target="overdue",
            actor_label="system", business_date=DAY + dt.timedelta(days=30),
        )  # fmt: skip
    TransitionLog.objects.create(
        loan=cured, transition="cure", source="overdue", target="serviced",
        actor_label="system", business_date=DAY + dt.timedelta(days=40),
    )  # fmt: skip
    table = portfolio.vintages(on=DAY + dt.timedelta(days=100), bad_dpd=30, horizon_days=90)
    assert table.rows == [[dt.date(2026, 11, 1), 2, 1, 50.0]]


def test_the_dashboard_page_and_its_csv(client, book):
    user = User.objects.create_user("risk-x", password="x" * 12)
    user.groups.add(Group.objects.get(name="risk_manager"))
    client.force_login(user)
    page = client.get("/dashboards/")
    assert page.status_code == 200 and 'data-chart="bar"' in page.content.decode()
    assert 'id="figure-recovery"' in page.content.decode()
    assert 'id="figure-nps"' in page.content.decode()
    csv = client.get("/dashboards/portfolio.csv").content.decode("utf-8-sig").splitlines()
    assert csv[0] == "Показатель;Займов;Основной долг, ₽;Доля, %"
    assert csv[1] == "Непогашенный портфель;4;40000,00;100,0"
    assert client.get("/dashboards/nothing.csv").status_code == 404


def _risk_manager(client) -> None:
    user = User.objects.create_user("risk-y", password="x" * 12)
    user.groups.add(Group.objects.get(name="risk_manager"))
    client.force_login(user)


def test_a_second_visit_reads_the_days_snapshot_without_aggregating(
    client, book, django_assert_num_queries
):
    _risk_manager(client)
    client.get("/dashboards/?days=30")
    with django_assert_num_queries(10):  # session, user, roles, date, snapshot, menu
        page = client.get("/dashboards/?days=30")
    assert page.status_code == 200 and 'id="snapshot-note"' in page.content.decode()
    assert DashboardSnapshot.objects.filter(days=30).count() == 1


def test_the_figures_stay_as_built_until_a_rebuild_off_the_request(
    client, book, django_capture_on_commit_callbacks
):
    """The rebuild is a django-q2 task (the suite runs tasks in process)."""
    _risk_manager(client)
    client.get("/dashboards/?days=30")
    issued(on=DAY)
    csv = client.get("/dashboards/portfolio.csv?days=30").content.decode("utf-8-sig")
    assert csv.splitlines()[1] == "Непогашенный портфель;4;40000,00;100,0"
    with django_capture_on_commit_callbacks(execute=True):
        rebuilt = client.post("/dashboards/rebuild/", {"days": 30})
    assert rebuilt.status_code == 302
    assert rebuilt["Location"].startswith("/dashboards/?days=30&rebuilding=")
    csv = client.get("/dashboards/portfolio.csv?days=30").content.decode("utf-8-sig")
    assert csv.splitlines()[1] == "Непогашенный портфель;5;50000,00;100,0"
    assert DashboardSnapshot.objects.filter(days=30).count() == 1


def test_a_rebuild_is_queued_not_done_in_the_request(
    client, book, django_capture_on_commit_callbacks
):
    _risk_manager(client)
    client.get("/dashboards/?days=90")
    with (
        mock.patch("zaymer.dashboards.async_task") as queue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        page = client.post("/dashboards/rebuild/", {"days": 90}, follow=True)
    queue.assert_called_once_with("zaymer.dashboards.snapshots_build_task", 90)
    assert 'id="rebuild-progress"' in page.content.decode()


def test_the_rebuild_progress_polls_until_newer_figures_then_refreshes_the_page(
    client, book, django_capture_on_commit_callbacks
):
    _risk_manager(client)
    client.get("/dashboards/?days=30")
    with (
        mock.patch("zaymer.dashboards.async_task"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        location = client.post("/dashboards/rebuild/", {"days": 30})["Location"]
    status_url = "/dashboards/rebuild/status/" + location[len("/dashboards/") :]

    assert client.get(status_url).status_code == 204
    DashboardSnapshot.objects.filter(days=30).update(built_at=timezone.now())
    done = client.get(status_url)
    assert done.status_code == 286 and done["HX-Refresh"] == "true"


def test_the_dashboard_tables_read_in_roubles_and_russian_labels(client, book):
    _risk_manager(client)
    body = client.get("/dashboards/?days=30").content.decode()
    assert "principal_kop" not in body.split("<script")[0]
    assert "40\u00a0000,00 ₽" in body
    assert "Непогашенный портфель" in body


def test_a_figure_downloads_as_an_xlsx_with_numbers_and_russian_headers(client, book):
    _risk_manager(client)
    response = client.get("/dashboards/portfolio.xlsx?days=30")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["Показатель", "Займов", "Основной долг, ₽", "Доля, %"]
    assert sheet["C2"].value == 40000 and sheet["C2"].number_format.endswith('"₽"')


def test_a_rebuild_is_a_post_for_risk_managers_only(client, db):
    _risk_manager(client)
    assert client.get("/dashboards/rebuild/").status_code == 405
    user = User.objects.create_user("uw-y", password="x" * 12)
    user.groups.add(Group.objects.get(name="underwriter"))
    client.force_login(user)
    assert client.post("/dashboards/rebuild/", {"days": 30}).status_code == 403
    assert not DashboardSnapshot.objects.exists()


def test_the_nightly_run_builds_every_period_for_the_new_business_date(book):
    open_day(DAY + dt.timedelta(days=1))
    with mock.patch("zaymer.tasks.timezone.localdate", return_value=DAY + dt.timedelta(days=2)):
        run_cob()
    snapshots = DashboardSnapshot.objects.filter(business_date=DAY + dt.timedelta(days=2))
    assert sorted(snapshots.values_list("days", flat=True)) == list(PERIODS)
    tables = snapshot_tables(snapshots.get(days=7))
    assert tables["portfolio"].rows[0][:3] == ["outstanding", 4, 4_000_000]


def test_the_dashboards_are_closed_to_underwriters(client, db):
    user = User.objects.create_user("uw-x", password="x" * 12)
    user.groups.add(Group.objects.get(name="underwriter"))
    client.force_login(user)
    assert client.get("/dashboards/").status_code == 403


def test_new_borrowers_time_to_money_is_measured(business_date):
    issued(on=DAY, borrower=BorrowerFactory())
    rows = {row[0]: row for row in portfolio.time_to_money(since=DAY - dt.timedelta(days=1)).rows}
    assert rows["new"][1] == 1 and rows["repeat"][1] == 0


def _episode(loan: Loan, *, start: dt.date, end: dt.date | None = None) -> None:
    TransitionLog.objects.create(
        loan=loan, transition="miss_due_date", source="serviced", target="overdue",
        actor_label="system", business_date=start,
    )  # fmt: skip
    if end is not None:
        TransitionLog.objects.create(
            loan=loan, transition="cure", source="overdue", target="serviced",
            actor_label="system", business_date=end,
        )  # fmt: skip


def test_the_vintage_bad_is_scorings_training_target(business_date):
    """Episodes around the 90-day horizon and the 30-day mark: the dashboard's SQL and the
    training target's Python count the same loans bad."""
    loans = [issued(on=DAY) for _ in range(6)]
    due = ScheduleItem.objects.filter(loan=loans[0], version=1).latest("due_date").due_date
    last_start = due + dt.timedelta(days=90 - 30 + 1)
    _episode(loans[0], start=due + dt.timedelta(days=1))  # bad
    _episode(loans[1], start=last_start)  # reaches 30 on the horizon's last day: bad
    _episode(loans[2], start=last_start + dt.timedelta(days=1))  # too late: not bad
    _episode(loans[3], start=due, end=due + dt.timedelta(days=29))  # cured at 29: not bad
    _episode(loans[4], start=due, end=due + dt.timedelta(days=30))  # cured at 30: bad
    on = due + dt.timedelta(days=200)
    Loan.objects.filter(pk__in=[loan.pk for loan in loans]).update(status="closed")

    trained = {o.loan_id for o in known_outcomes(on=on, bad_dpd=30, horizon_days=90) if o.bad}
    table = portfolio.vintages(on=on, bad_dpd=30, horizon_days=90)

    assert trained == {loans[0].pk, loans[1].pk, loans[4].pk}
    assert table.rows == [[dt.date(2026, 11, 1), 6, len(trained), 50.0]]


def test_the_card_book_sums_limits_and_balances_by_status(business_date):
    from cards import services as credit_lines

    lines = [
        credit_lines.credit_line_open(
            borrower=BorrowerFactory(), limit_kop=limit, daily_rate_ppm=5_000
        )
        for limit in (1_000_000, 3_000_000)
    ]
    credit_lines.credit_line_draw(
        credit_line=lines[0],
        kind="purchase",
        amount_kop=250_000,
        idempotency_key="dash-1",
        merchant="Ozon",
    )
    credit_lines.credit_line_freeze(credit_line=lines[1])

    rows = {row[0]: row[1:] for row in portfolio.card_book().rows}

    assert rows["open"] == [1, 1_000_000, 250_000, 0, 0, 25.0]
    assert rows["frozen"] == [1, 3_000_000, 0, 0, 0, 0.0]


@pytest.mark.parametrize("stamp", ["", "nan", "inf", "1e300", "soon"])
def test_the_rebuild_status_answers_a_bad_stamp_by_refreshing_not_an_error(client, book, stamp):
    _risk_manager(client)
    done = client.get("/dashboards/rebuild/status/", {"days": 30, "rebuilding": stamp})
    assert done.status_code == 286 and done["HX-Refresh"] == "true"


@pytest.mark.parametrize("stamp", ["nan", "1e300"])
def test_the_dashboard_page_ignores_a_bad_rebuild_stamp(client, book, stamp):
    _risk_manager(client)
    page = client.get("/dashboards/", {"days": 30, "rebuilding": stamp})
    assert page.status_code == 200 and 'id="rebuild-progress"' not in page.content.decode()


def test_a_month_given_as_year_and_month_reads_as_the_months_name():
    from django.utils import translation

    from zaymer.dashboard_tables import shown_table

    table = portfolio.Table(title="NPS", columns=["month", "answers"], rows=[["2026-11", 3]])
    with translation.override("ru"):
        shown = shown_table(table)
    assert shown.cells == [["Ноябрь 2026", "3"]]
