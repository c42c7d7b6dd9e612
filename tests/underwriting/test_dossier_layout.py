"""The dossier in a real headless Chromium at the widths underwriters work at: nothing the
underwriter needs is clipped, the decision is in the first screen, and approving for less
shows the new schedule and ПСК before the click. Screenshots go under tests/artifacts/."""

from pathlib import Path

import pytest

from tests.factories import BorrowerFactory, IlProductFactory, signed_loan
from tests.underwriting.conftest import ARTIFACTS, CHROMIUM, PASSWORD, referred_task, staff
from underwriting import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}: skipped"
    ),
]

WIDTHS = (1280, 1440, 1920)
HEIGHT = 900

# Every box whose content runs past its own width (a clipped column, a cut-off value), by id
# or by the first words of its heading.
OVERFLOWING = """() => [...document.querySelectorAll(
    '.card, #schedule, #preview-schedule, #bureau, #bureau dd, #bureau dt')]
  .filter((box) => box.scrollWidth > box.clientWidth + 1)
  .map((box) => box.id || (box.querySelector('h2') || box).textContent.trim().slice(0, 40))"""

LONG_BUREAU = {
    "bureaus": ["НБКИ", "ОКБ", "Скоринг Бюро", "Кредитное бюро Русский Стандарт"],
    "bki_open_loans": 7,
    "bki_open_high_psk_loans": 3,
    "bki_other_debt_rub": 1_234_567.89,
    "bki_max_dpd_12m": 45,
    "bki_delinquencies_30_24m": 2,
    "bki_inquiries_7d": 4,
    "bki_inquiries_30d": 11,
    "bki_inquiries_90d": 23,
    "bki_history_months": 84,
    "last_inquiry_lender": "ООО МКК «Очень длинное наименование кредитора для проверки переноса»",
}


def _signed_in(page, live_server):
    user = staff("underwriter", "underwriter")
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "underwriter")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return user


def _installment_task(*, holder):
    """A repeat borrower's 12-installment application with a long bureau answer, held."""
    borrower = BorrowerFactory()
    signed_loan(borrower=borrower)
    task = referred_task(
        amount_kop=6_000_000,
        term_days=168,
        segment="repeat",
        borrower=borrower,
        product=IlProductFactory(),
        bureau=LONG_BUREAU,
    )
    services.review_claim(task_id=task.pk, actor=holder)
    return task


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_dossier_clips_nothing_and_shows_the_decision_in_the_first_screen(
    live_server, page, business_date
):
    task = _installment_task(holder=_signed_in(page, live_server))
    ARTIFACTS.mkdir(exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.goto(f"{live_server.url}/underwriting/tasks/{task.pk}/")
        page.wait_for_selector("#approve-form")
        page.screenshot(path=str(ARTIFACTS / f"underwriting-dossier-{width}.png"), full_page=True)

        assert page.evaluate(OVERFLOWING) == [], f"clipped at {width} px"
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), f"the page scrolls sideways at {width} px"
        assert page.locator("#schedule tbody tr").count() == 12
        assert page.locator("#approve-form").bounding_box()["y"] < HEIGHT, f"at {width} px"
        page.mouse.wheel(0, 2000)  # down past the robot: the decision stays in sight
        page.wait_for_timeout(100)
        form = page.locator("#approve-form").bounding_box()
        assert 0 <= form["y"] < HEIGHT, f"the decision scrolled away at {width} px"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_approving_for_less_shows_the_new_schedule_and_psk_before_the_click(
    live_server, page, business_date
):
    task = _installment_task(holder=_signed_in(page, live_server))
    page.set_viewport_size({"width": 1440, "height": HEIGHT})
    page.goto(f"{live_server.url}/underwriting/tasks/{task.pk}/")
    asked_total = page.inner_text("#preview-total")

    page.fill("#approve-form input[name=amount_rub]", "30000")
    page.wait_for_function(
        "(asked) => document.querySelector('#preview-total').textContent !== asked", arg=asked_total
    )
    assert "30\u00a0000,00\u00a0₽" in page.inner_text("#approve-preview")
    assert page.locator("#preview-schedule tbody tr").count() == 12
    assert "%" in page.inner_text("#preview-psk")

    page.fill("#approve-form input[name=amount_rub]", "90000")  # above what was asked
    page.wait_for_selector("#preview-problem")
    assert page.locator("#preview-schedule").count() == 0
    page.screenshot(path=str(ARTIFACTS / "underwriting-approve-preview-refused.png"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_decided_badge_has_the_colour_of_its_verdict(live_server, page, business_date):
    holder = _signed_in(page, live_server)
    approved, declined = _installment_task(holder=holder), _installment_task(holder=holder)
    services.review_approve(task_id=approved.pk, actor=holder)
    services.review_decline(task_id=declined.pk, actor=holder, reasons=["debt_load"])
    colours = {}
    for task in (approved, declined):
        page.goto(f"{live_server.url}/underwriting/tasks/{task.pk}/")
        colours[task.pk] = page.eval_on_selector(
            "#task-status", "(badge) => getComputedStyle(badge).color"
        )
    assert colours[approved.pk] == "rgb(27, 127, 59)"  # green
    assert colours[declined.pk] == "rgb(179, 38, 30)"  # red
