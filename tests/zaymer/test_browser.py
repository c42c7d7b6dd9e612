"""The pages that run the vendored scripts work under the Content-Security-Policy, in Debian's
headless Chromium: the API docs (Swagger UI), the admin, the dashboards (Chart.js) and the
language switch (static/js/staff.js); none reports a violation."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User

from kernel.roles import RISK_MANAGER
from tests.csp_console import watch_csp_violations

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct-horse-battery"

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
        page = browser.new_page(locale="en-US", viewport={"width": 1400, "height": 1000})
        page.violations = watch_csp_violations(page)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.script_errors = errors
        yield page
        browser.close()


def sign_in(tab, base: str, username: str) -> None:
    tab.goto(f"{base}/accounts/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_docs_render_under_the_policy(live_server, tab):
    tab.goto(f"{live_server.url}/api/docs/")
    tab.wait_for_selector(".swagger-ui .info .title")
    tab.wait_for_selector(".opblock-summary-path")
    assert "Zaymer borrower API" in tab.inner_text(".swagger-ui .info .title")
    assert not tab.violations and not tab.script_errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_and_the_dashboards_work_under_the_policy(live_server, tab, business_date):
    user = User.objects.create_superuser("root", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=RISK_MANAGER)[0])
    sign_in(tab, live_server.url, "root")
    for path in ("/admin/", "/admin/auth/user/", f"/admin/auth/user/{user.pk}/change/"):
        tab.goto(live_server.url + path)
        tab.wait_for_selector("#content")
    tab.goto(f"{live_server.url}/dashboards/")
    tab.wait_for_selector("canvas[data-chart]")
    drawn = tab.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every((c) => window.Chart && Chart.getChart(c))"
    )
    assert drawn, "Chart.js did not draw the figures"
    # The language switch sends its form from static/js/staff.js, not an inline handler.
    with tab.expect_navigation():
        tab.select_option("select[name=language]", "ru")
    tab.wait_for_selector("canvas[data-chart]")
    assert tab.evaluate("document.documentElement.lang") == "ru"
    assert not tab.violations and not tab.script_errors
