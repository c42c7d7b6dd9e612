"""Each role's working day in Debian's headless Chromium, in Russian as the staff see it: the
path a collector, a risk manager and an administrator walk through their pages, one test per
role, with a screenshot of every stop under tests/artifacts/ (the underwriter's walk is in
tests/underwriting/test_browser.py). No page may answer an error, throw a script error or be
refused by the Content-Security-Policy."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from collection import services as collection
from collection.models import PromiseToPay
from kernel.roles import ADMINISTRATOR, COLLECTOR, RISK_MANAGER
from tests.collection.conftest import DUE, overdue_loan, staff
from tests.csp_console import watch_csp_violations
from tests.zaymer.test_browser import CHROMIUM, PASSWORD, sign_in

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}: skipped"
    ),
]


@pytest.fixture
def tab(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 1000})
        violations = watch_csp_violations(page)
        script_errors: list[str] = []
        failed: list[str] = []
        page.on("pageerror", lambda error: script_errors.append(f"{page.url}: {error}"))
        page.on(
            "response",
            lambda answer: answer.status >= 500 and failed.append(f"{answer.status} {answer.url}"),
        )
        yield page
        browser.close()
        assert not failed, f"a page answered a server error: {failed}"
        assert not script_errors, f"a page threw a script error: {script_errors}"
        assert not violations, f"the Content-Security-Policy refused something: {violations}"


def member(username: str, *roles: str) -> User:
    user = staff(username, *roles)
    user.set_password(PASSWORD)
    user.save()
    return user


def stop(tab, name: str) -> None:
    """A stop of the walk: the page is in Russian and its picture is kept."""
    assert tab.evaluate("document.documentElement.lang") == "ru", tab.url
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"walk-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_collector_works_the_worklist_and_records_a_promise(live_server, tab):
    collector = member("col1", COLLECTOR)
    loan = overdue_loan()
    case = collection.case_open(debt=loan, on=DUE + dt.timedelta(days=2))
    assert case.collector == collector

    sign_in(tab, live_server.url, "col1")
    tab.goto(f"{live_server.url}/collection/")
    tab.wait_for_selector(f'tr[data-case="{case.pk}"]')
    stop(tab, "collector-worklist")

    def filtered(answer) -> bool:
        return "/collection/" in answer.url and "stage=" in answer.url

    with tab.expect_response(filtered):
        tab.select_option("#case-filters select[name=stage]", case.stage)
    tab.wait_for_selector(f'tr[data-case="{case.pk}"]')
    assert f"stage={case.stage}" in tab.url, "the filter is kept in the address for a reload"

    tab.click(f'tr[data-case="{case.pk}"] a')
    tab.wait_for_selector("#promise-form")
    assert "(" in tab.inner_text("#local-time"), "the debtor's local time names its zone"
    stop(tab, "collector-case")

    tab.fill("#promise-form input[name=amount_rub]", "1000")
    tab.fill("#promise-form input[name=promised_on]", str(DUE + dt.timedelta(days=8)))
    tab.click("#promise-form button[type=submit]")
    tab.wait_for_selector(".msg-success")
    stop(tab, "collector-promise")

    promise = PromiseToPay.objects.get(case=case)
    assert (promise.amount_kop, promise.promised_on) == (100_000, DUE + dt.timedelta(days=8))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_risk_manager_reads_the_dashboards_the_monitoring_and_the_bureau_deadlines(
    live_server, tab, business_date
):
    member("risk1", RISK_MANAGER)

    sign_in(tab, live_server.url, "risk1")
    tab.goto(f"{live_server.url}/dashboards/")
    tab.wait_for_selector("canvas[data-chart]")
    stop(tab, "risk-dashboards")

    tab.goto(f"{live_server.url}/scoring/monitoring/")
    tab.wait_for_selector("main h1")
    stop(tab, "risk-monitoring")

    tab.goto(f"{live_server.url}/bureaus/")
    tab.wait_for_selector("main h1")
    stop(tab, "risk-bureau-deadlines")

    tab.goto(f"{live_server.url}/underwriting/metrics/")
    tab.wait_for_selector("main h1")
    stop(tab, "risk-underwriting-metrics")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_administrator_finds_a_borrower_and_reads_the_audit_trail(live_server, tab):
    member("adm1", ADMINISTRATOR)
    loan = overdue_loan()
    borrower = loan.borrower

    sign_in(tab, live_server.url, "adm1")
    tab.goto(f"{live_server.url}/desk/")
    tab.fill("#search-form input[name=q]", borrower.phone)
    tab.click("#search-form button[type=submit]")
    tab.wait_for_selector(f'tr[data-borrower="{borrower.pk}"]')
    assert borrower.phone not in tab.url, "a personal-data search never goes into the address"
    stop(tab, "admin-search")

    tab.click(f'tr[data-borrower="{borrower.pk}"] a')
    tab.wait_for_selector("#loans")
    assert str(loan.pk) in tab.inner_text("#loans")
    stop(tab, "admin-borrower")

    tab.goto(f"{live_server.url}/desk/audit/")
    tab.wait_for_selector("#audit")
    assert tab.locator("#audit tbody tr").count() >= 1, "the loan's signing is on record"
    stop(tab, "admin-audit")
