from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cards import services as credit_lines
from loans.models import Loan, LoanStatus
from underwriting import services
from underwriting.models import ReviewTask, TaskStatus

QUEUE = "/underwriting/"


def task_url(task, action=""):
    return f"/underwriting/tasks/{task.pk}/{action + '/' if action else ''}"


def test_anonymous_staff_are_sent_to_sign_in(client, db):
    response = client.get(QUEUE)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_underwriter_sees_the_queue(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert f'data-task="{task.pk}"' in response.content.decode()


def test_a_collector_cannot_open_the_queue(client, make_task, collector, caplog):
    task = make_task()
    client.force_login(collector)
    assert client.get(QUEUE).status_code == 403
    (refusal,) = [r for r in caplog.records if r.name == "zaymer.security"]
    assert refusal.fields == {"user_id": collector.pk, "path": QUEUE}
    assert client.get(task_url(task)).status_code == 403


def test_an_underwriter_cannot_open_the_admin_or_risk_pages(client, underwriter):
    client.force_login(underwriter)
    assert client.get("/admin/").status_code == 403  # the app's refusal, not the admin sign-in
    assert client.get("/scoring/monitoring/").status_code == 403
    assert client.get("/underwriting/metrics/").status_code == 403


def test_the_menu_shows_an_underwriter_only_underwriting(client, underwriter):
    client.force_login(underwriter)
    page = client.get(QUEUE).content.decode()
    assert 'href="/underwriting/"' in page
    assert 'href="/admin/"' not in page and 'href="/scoring/monitoring/"' not in page


def test_home_sends_each_role_to_its_first_page(client, underwriter, risk_manager):
    client.force_login(underwriter)
    assert client.get("/")["Location"] == "/underwriting/"


def test_the_queue_issues_the_same_number_of_queries_whatever_its_length(
    client, make_task, underwriter
):
    client.force_login(underwriter)
    make_task()
    client.get(QUEUE)  # warm the session and content types
    with CaptureQueriesContext(connection) as short:
        client.get(QUEUE)
    for _ in range(12):
        make_task()
    with CaptureQueriesContext(connection) as long:
        assert client.get(QUEUE).status_code == 200
    # session, user, roles, count, page, permissions ×2 (menu), products (filter), and the
    # session's idle-expiry refresh (an UPDATE, in a savepoint under the test's transaction)
    assert len(long) == len(short) <= 11


def test_the_queue_filters_by_segment_and_sla(client, make_task, underwriter):
    new, repeat = make_task(segment="new"), make_task(segment="repeat")
    ReviewTask.objects.filter(pk=repeat.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    client.force_login(underwriter)
    page = client.get(QUEUE, {"segment": "new"}).content.decode()
    assert f'data-task="{new.pk}"' in page and f'data-task="{repeat.pk}"' not in page
    page = client.get(QUEUE, {"sla": "breached"}).content.decode()
    assert f'data-task="{repeat.pk}"' in page and f'data-task="{new.pk}"' not in page


def test_an_unknown_filter_value_is_a_clear_message_not_an_error(client, make_task, underwriter):
    make_task()
    client.force_login(underwriter)
    response = client.get(QUEUE, {"sla": "tomorrow", "page": "x"})
    assert response.status_code == 200
    assert "msg-error" in response.content.decode()


def test_the_htmx_refresh_returns_only_the_table(client, make_task, underwriter):
    make_task()
    client.force_login(underwriter)
    response = client.get(
        QUEUE, {"segment": "new"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-table"
    )
    body = response.content.decode()
    assert "<table" in body and "<html" not in body


def test_take_next_opens_the_dossier_of_the_claimed_task(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    response = client.post("/underwriting/take-next/")
    assert response["Location"] == task_url(task)
    assert ReviewTask.objects.get(pk=task.pk).assigned_to == underwriter


def test_take_next_on_an_empty_queue_says_so(client, underwriter, business_date):
    client.force_login(underwriter)
    response = client.post("/underwriting/take-next/", follow=True)
    assert "очередь пуста" in response.content.decode()


def test_the_dossier_shows_offer_robot_and_checks(client, make_task, underwriter, caplog):
    task = make_task(amount_kop=1_000_000)
    client.force_login(underwriter)
    client.post(task_url(task, "claim"))
    page = client.get(task_url(task)).content.decode()
    (shown,) = [r for r in caplog.records if r.getMessage() == "personal data shown"]
    assert shown.fields == {"user_id": underwriter.pk, "borrower_id": task.loan.borrower_id}
    assert "10\u00a0000,00\u00a0₽" in page
    assert "Много запросов в БКИ за 30 дней" in page
    assert "292" in page  # ПСК of 0.8 %/day over 30 days
    assert 'id="approve-form"' in page


def test_the_dossier_shows_the_borrowers_virtual_card(client, make_task, underwriter):
    task = make_task()
    assert 'id="cards"' not in _dossier(client, task, underwriter)
    credit_lines.credit_line_open(
        borrower=task.loan.borrower, limit_kop=3_000_000, daily_rate_ppm=5_000
    )
    page = _dossier(client, task, underwriter)
    assert 'id="cards"' in page and "30\u00a0000,00\u00a0₽" in page


def _dossier(client, task, underwriter) -> str:
    client.force_login(underwriter)
    return client.get(task_url(task)).content.decode()


def test_approve_with_a_lower_amount_through_the_page(client, make_task, underwriter):
    task = make_task(amount_kop=1_500_000)
    client.force_login(underwriter)
    client.post(task_url(task, "claim"))
    response = client.post(task_url(task, "approve"), {"amount_rub": "10000", "term_days": "30"})
    assert response.status_code == 302
    loan = Loan.objects.get(pk=task.loan_id)
    assert (loan.status, loan.principal_kop) == (LoanStatus.APPROVED, 1_000_000)


def test_a_decline_without_a_reason_is_refused_with_a_message(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    client.post(task_url(task, "claim"))
    response = client.post(task_url(task, "decline"), {"comment": "no"}, follow=True)
    assert response.status_code == 200
    assert "msg-error" in response.content.decode()
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW


def test_a_conflicting_decision_is_a_message_not_an_error_page(
    client, make_task, underwriter, other_underwriter
):
    task = make_task()
    services.review_claim(task_id=task.pk, actor=other_underwriter)
    client.force_login(underwriter)
    response = client.post(task_url(task, "approve"), {}, follow=True)
    assert response.status_code == 200
    assert "uw2" in response.content.decode()
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW


def test_a_forged_post_from_a_collector_changes_nothing(client, make_task, collector):
    task = make_task()
    client.force_login(collector)
    assert client.post(task_url(task, "claim")).status_code == 403
    assert client.post(task_url(task, "approve"), {}).status_code == 403
    task.refresh_from_db()
    assert task.assigned_to is None and task.status == TaskStatus.OPEN


def test_a_post_without_the_csrf_token_is_refused(make_task, underwriter):
    from django.test import Client

    task = make_task()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(underwriter)
    assert csrf_client.post(task_url(task, "claim")).status_code == 403
    assert ReviewTask.objects.get(pk=task.pk).assigned_to is None


def test_amount_with_letters_is_refused_by_the_form(client, make_task, underwriter):
    task = make_task()
    client.force_login(underwriter)
    client.post(task_url(task, "claim"))
    response = client.post(task_url(task, "approve"), {"amount_rub": "ten"}, follow=True)
    assert "msg-error" in response.content.decode()
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW


def test_the_staff_api_lists_the_queue_with_the_page_filters(client, make_task, underwriter):
    new, repeat = make_task(segment="new"), make_task(segment="repeat")
    client.force_login(underwriter)
    body = client.get("/api/v1/staff/review-tasks/", {"segment": "repeat"}).json()
    assert [row["id"] for row in body["results"]] == [repeat.pk]
    assert body["results"][0]["amount_kop"] == 1_000_000
    assert body["results"][0]["currency"] == "RUB"
    assert new.pk not in [row["id"] for row in body["results"]]


def test_the_staff_api_is_closed_to_collectors(client, make_task, collector):
    make_task()
    client.force_login(collector)
    assert client.get("/api/v1/staff/review-tasks/").status_code == 403


def test_metrics_need_the_team_metrics_permission(client, risk_manager, underwriter, db):
    client.force_login(risk_manager)
    assert client.get("/underwriting/metrics/").status_code == 200
    client.force_login(underwriter)
    assert client.get("/underwriting/metrics/").status_code == 403


@pytest.mark.parametrize("language,text", [("ru", "Очередь на проверку"), ("en", "Review queue")])
def test_the_queue_speaks_russian_by_default_and_english_on_request(
    client, underwriter, business_date, language, text
):
    client.force_login(underwriter)
    if language != "ru":
        client.cookies["django_language"] = language
    assert text in client.get(QUEUE).content.decode()


def test_a_decided_application_shows_its_verdict_and_no_decision_forms(
    client, make_task, underwriter
):
    task = make_task()
    services.review_claim(task_id=task.pk, actor=underwriter)
    services.review_decline(
        task_id=task.pk, actor=underwriter, reasons=["debt_load"], comment="ПДН 80 %"
    )
    client.force_login(underwriter)
    page = client.get(task_url(task)).content.decode()
    assert 'id="verdict"' in page and "Слишком высокая долговая нагрузка" in page
    assert 'id="approve-form"' not in page


def test_the_dossier_shows_the_uid_of_a_previous_contract(client, make_task, underwriter):
    from tests.factories import BorrowerFactory, signed_loan

    borrower = BorrowerFactory()
    previous = signed_loan(borrower=borrower)
    task = make_task(borrower=borrower)
    assert previous.credit_uid in _dossier(client, task, underwriter)
