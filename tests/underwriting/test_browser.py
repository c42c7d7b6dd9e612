"""End to end in a real headless Chromium (Debian's, never a downloaded browser)."""

from pathlib import Path

import pytest

from loans import services
from loans.models import Loan, LoanStatus
from tests.factories import applied_loan
from tests.underwriting.conftest import ARTIFACTS, CHROMIUM, PASSWORD, referred_task, staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"Chromium not installed at {CHROMIUM}: skipped"
    ),
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_underwriter_takes_the_next_application_and_approves_a_lower_amount(
    live_server, page, business_date
):
    user = staff("underwriter", "underwriter")
    user.set_password(PASSWORD)
    user.save()
    urgent = referred_task(amount_kop=2_000_000, segment="repeat")
    referred_task(amount_kop=1_500_000, segment="new")
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/underwriting/")
    page.fill("input[name=username]", "underwriter")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(f'tr[data-task="{urgent.pk}"]')
    page.screenshot(path=str(ARTIFACTS / "underwriting-queue.png"), full_page=True)

    page.click("#take-next")
    page.wait_for_selector("#approve-form")
    assert f"/underwriting/tasks/{urgent.pk}/" in page.url
    page.screenshot(path=str(ARTIFACTS / "underwriting-dossier.png"), full_page=True)

    page.fill("#approve-form input[name=amount_rub]", "15000")
    page.click("#approve-form button[type=submit]")
    page.wait_for_selector(".msg-success")

    loan = Loan.objects.get(pk=urgent.loan_id)
    assert (loan.status, loan.principal_kop) == (LoanStatus.APPROVED, 1_500_000)
    page.goto(f"{live_server.url}/underwriting/")
    page.wait_for_selector("table.queue")
    assert page.locator(f'tr[data-task="{urgent.pk}"]').count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sign_in_page_refuses_a_wrong_password(live_server, page, db):
    staff("underwriter", "underwriter")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "underwriter")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    page.wait_for_selector(".msg-error")
    assert "/accounts/login/" in page.url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_contract_an_underwriter_opens_from_the_borrowers_page_shows_the_psk_boxes(
    live_server, page, business_date
):
    """The link on the staff page, followed with the browser's session; the PDF's first page
    rendered to a picture (pypdfium2) and kept under tests/artifacts/."""
    pdfium = pytest.importorskip("pypdfium2")
    user = staff("underwriter", "underwriter")
    user.set_password(PASSWORD)
    user.save()
    loan = services.loan_approve(loan=services.loan_score(loan=applied_loan()))
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/desk/borrowers/{loan.borrower_id}/")
    page.fill("input[name=username]", "underwriter")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    link = page.locator(f"a[href$='/loans/{loan.pk}/contract.pdf']")
    response = page.context.request.get(f"{live_server.url}{link.get_attribute('href')}")

    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    image = pdfium.PdfDocument(response.body())[0].render(scale=150 / 72).to_pil()
    image.save(ARTIFACTS / "contract-page-1-from-the-browser.png")
    width, height = image.size
    assert abs(height / width - 297 / 210) < 0.01  # A4
    right_top = image.convert("L").crop((width // 2, 0, width, height // 4))
    assert right_top.getextrema()[0] < 50  # the boxes' black frames at the top right
