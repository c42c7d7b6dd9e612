"""Approving for less shows the schedule and ПСК before the click: the preview asks the
approval's own checks and the contract's own quote, so its figures are what the borrower is
then offered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientapi.selectors import offer_quote
from loans.models import Loan
from tests.factories import IlProductFactory
from underwriting import services

pytestmark = pytest.mark.usefixtures("business_date")


def preview_url(task) -> str:
    return f"/underwriting/tasks/{task.pk}/approve/preview/"


def _preview(client, task, **terms):
    return client.get(preview_url(task), terms, HTTP_HX_REQUEST="true")


def test_the_preview_shows_the_schedule_and_psk_the_approval_then_offers(
    client, make_task, underwriter
):
    task = make_task(amount_kop=1_500_000, term_days=30)
    services.review_claim(task_id=task.pk, actor=underwriter)
    client.force_login(underwriter)

    response = _preview(client, task, amount_rub="10000", term_days="20")
    preview = response.context["preview"]
    client.post(
        f"/underwriting/tasks/{task.pk}/approve/", {"amount_rub": "10000", "term_days": "20"}
    )
    offered = offer_quote(loan=Loan.objects.get(pk=task.loan_id))

    assert response.status_code == 200
    assert [(i.due_date, i.principal_kop, i.interest_kop, i.total_kop) for i in preview.items] == [
        (i.due_date, i.principal_kop, i.interest_kop, i.total_kop) for i in offered.items
    ]
    assert (preview.total_kop, preview.psk_percent, preview.psk_kop) == (
        offered.total_kop,
        offered.psk.percent,
        offered.psk.amount_kop,
    )


def test_the_preview_page_shows_the_new_total_and_psk(client, make_task, underwriter):
    task = make_task(amount_kop=1_500_000, term_days=30)
    client.force_login(underwriter)
    page = _preview(client, task, amount_rub="10000", term_days="").content.decode()
    assert 'id="preview-schedule"' in page
    assert "12\u00a0400,00\u00a0₽" in page  # 10 000 ₽ at 0.8 % a day for 30 days
    assert "292,000 %" in page


def test_a_preview_above_the_robots_limit_gives_the_approvals_refusal(
    client, make_task, underwriter
):
    task = make_task(amount_kop=1_500_000, robot_limit_kop=1_000_000)
    client.force_login(underwriter)
    response = _preview(client, task, amount_rub="12000")
    assert response.status_code == 422
    assert "одобрить больше может только риск-менеджер" in response.content.decode()
    assert 'id="preview-schedule"' not in response.content.decode()


def test_a_preview_longer_than_asked_is_refused_in_words(client, make_task, underwriter):
    task = make_task(term_days=20)
    client.force_login(underwriter)
    response = _preview(client, task, term_days="25")
    assert response.status_code == 422
    assert "Срок не может быть длиннее запрошенного." in response.content.decode()


def test_a_preview_outside_the_products_terms_is_refused_in_words(client, make_task, underwriter):
    task = make_task(term_days=30)
    client.force_login(underwriter)
    response = _preview(client, task, term_days="2")  # the product lends for 5 days at least
    assert response.status_code == 422
    assert 'id="preview-problem"' in response.content.decode()


def test_a_preview_of_letters_is_a_message_not_an_error(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    response = _preview(client, task, amount_rub="ten thousand", term_days="-3")
    assert response.status_code == 422
    assert "Введите число." in response.content.decode()


def test_a_collector_cannot_preview_an_approval(client, make_task, collector):
    task = make_task()
    client.force_login(collector)
    assert _preview(client, task, amount_rub="5000").status_code == 403


def test_a_preview_of_an_unknown_task_is_not_found(client, underwriter, business_date):
    client.force_login(underwriter)
    assert client.get("/underwriting/tasks/999999/approve/preview/").status_code == 404


def test_the_preview_issues_the_same_number_of_queries_whatever_the_schedules_length(
    client, make_task, underwriter
):
    payday = make_task(amount_kop=1_000_000, term_days=30)
    installments = make_task(amount_kop=5_000_000, term_days=168, product=IlProductFactory())
    client.force_login(underwriter)
    _preview(client, payday, amount_rub="9000")  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        assert _preview(client, payday, amount_rub="9000").status_code == 200
    with CaptureQueriesContext(connection) as twelve:
        assert _preview(client, installments, amount_rub="40000").status_code == 200
    # session, user, roles, the task, business date, calendar ×2, limits, market ПСК,
    # permissions ×2 (menu), and the session's idle-expiry refresh (savepoint, update, release)
    assert len(twelve) == len(one) <= 14
