import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import translation

from kernel.roles import ADMINISTRATOR, COLLECTOR, RISK_MANAGER, UNDERWRITER
from loans import services as loan_services
from tests.csp_console import watch_csp_violations
from tests.factories import BorrowerFactory, PdlProductFactory
from underwriting import services

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _messages_in_english():
    """Services speak the active language; tests read their English messages."""
    with translation.override("en"):
        yield


def staff(username: str, *roles: str, is_staff: bool = False) -> User:
    user = User.objects.create_user(username=username, password="x" * 12, is_staff=is_staff)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def underwriter(db):
    return staff("uw1", UNDERWRITER)


@pytest.fixture
def other_underwriter(db):
    return staff("uw2", UNDERWRITER)


@pytest.fixture
def risk_manager(db):
    return staff("risk1", RISK_MANAGER, is_staff=True)


@pytest.fixture
def collector(db):
    return staff("col1", COLLECTOR)


@pytest.fixture
def administrator(db):
    return staff("adm1", ADMINISTRATOR, is_staff=True)


def referred_task(
    *,
    amount_kop: int = 1_000_000,
    term_days: int = 30,
    segment: str = "new",
    robot_limit_kop: int | None = None,
    borrower=None,
    card_token: str = "",
    product=None,
    bureau: dict | None = None,
):
    """An application the robot referred, with its review task, through the real services."""
    loan = loan_services.loan_apply(
        borrower=borrower or BorrowerFactory(),
        product=product or PdlProductFactory(),
        amount_kop=amount_kop,
        term_days=term_days,
    )
    loan = loan_services.loan_score(loan=loan)
    loan = loan_services.loan_refer(loan=loan, reason="scoring: test")
    return services.review_open(
        loan=loan,
        segment=segment,
        robot_limit_kop=amount_kop if robot_limit_kop is None else robot_limit_kop,
        pd=0.12,
        points=610,
        reasons=[{"code": "BKI_INQUIRIES", "text": "Много запросов в БКИ за 30 дней"}],
        bureau={"bki_open_loans": 2} if bureau is None else bureau,
        model_label="application v1",
        card_token=card_token,
    )


@pytest.fixture
def make_task(business_date):
    return referred_task


@pytest.fixture
def page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary blocking ones, which Django would otherwise refuse next to a running loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(locale="ru-RU", viewport={"width": 1400, "height": 1000})
        tab = context.new_page()
        violations = watch_csp_violations(tab)
        yield tab
        context.close()
        assert not violations, "the Content-Security-Policy refused something on a page"
        browser.close()
