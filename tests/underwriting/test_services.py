from datetime import timedelta

import pytest
from django.utils import timezone

from loans import services as loan_services
from loans.errors import InvalidAmount
from loans.models import BorrowerMessage, Loan, LoanStatus, TransitionLog
from underwriting import services
from underwriting.errors import ReviewConflict, ReviewRefused
from underwriting.models import ReviewTask, TaskStatus, Verdict


def held(task, user):
    return services.review_claim(task_id=task.pk, actor=user)


def test_open_is_idempotent(make_task):
    task = make_task()
    again = services.review_open(loan=task.loan, segment="new", robot_limit_kop=1)
    assert again.pk == task.pk and ReviewTask.objects.count() == 1


def test_sla_deadline_follows_the_segment(make_task, settings):
    settings.UNDERWRITING_SLA_MINUTES = {"new": 10, "repeat": 2}
    new, repeat = make_task(segment="new"), make_task(segment="repeat")
    assert new.due_at - new.created_at == timedelta(minutes=10)
    assert repeat.due_at - repeat.created_at == timedelta(minutes=2)
    assert repeat.created_at < repeat.warn_at < repeat.due_at


def test_claim_next_takes_the_task_nearest_its_deadline(make_task, underwriter):
    late_new = make_task(segment="new")
    urgent_repeat = make_task(segment="repeat")
    assert services.review_claim_next(actor=underwriter).pk == urgent_repeat.pk
    assert late_new.pk != urgent_repeat.pk


def test_claim_next_returns_the_task_already_held(make_task, underwriter):
    make_task(), make_task()
    first = services.review_claim_next(actor=underwriter)
    assert services.review_claim_next(actor=underwriter).pk == first.pk


def test_claim_next_skips_tasks_held_by_others(make_task, underwriter, other_underwriter):
    make_task(), make_task()
    mine = services.review_claim_next(actor=underwriter)
    theirs = services.review_claim_next(actor=other_underwriter)
    assert mine.pk != theirs.pk
    assert services.review_claim_next(actor=make_user("uw3")) is None


def make_user(name):
    from tests.underwriting.conftest import staff

    return staff(name, "underwriter")


def test_claim_next_ignores_decided_and_cancelled_applications(make_task, underwriter):
    task = make_task()
    loan_services.loan_cancel(loan=task.loan, reason="borrower changed their mind")
    assert services.review_claim_next(actor=underwriter) is None


def test_a_cancelled_application_leaves_the_queue_at_the_next_tidy(make_task):
    withdrawn, waiting = make_task(), make_task()
    loan_services.loan_cancel(loan=withdrawn.loan, reason="borrower changed their mind")
    assert services.review_withdraw_stale() == 1
    assert ReviewTask.objects.get(pk=withdrawn.pk).status == TaskStatus.WITHDRAWN
    assert ReviewTask.objects.get(pk=waiting.pk).status == TaskStatus.OPEN


def test_idle_task_is_taken_over_by_the_next_claimer(
    make_task, underwriter, other_underwriter, settings
):
    settings.UNDERWRITING_IDLE_RELEASE_MINUTES = 5
    task = make_task()
    held(task, underwriter)
    ReviewTask.objects.filter(pk=task.pk).update(last_seen_at=timezone.now() - timedelta(minutes=6))
    assert services.review_claim_next(actor=other_underwriter).pk == task.pk


def test_release_idle_frees_only_idle_tasks(make_task, underwriter, other_underwriter):
    idle, busy = make_task(), make_task()
    held(idle, underwriter)
    held(busy, other_underwriter)
    ReviewTask.objects.filter(pk=idle.pk).update(last_seen_at=timezone.now() - timedelta(hours=1))
    assert services.review_release_idle() == 1
    assert ReviewTask.objects.get(pk=idle.pk).assigned_to is None
    assert ReviewTask.objects.get(pk=busy.pk).assigned_to == other_underwriter


def test_approve_with_a_lower_amount_approves_the_loan_for_it(make_task, underwriter):
    task = make_task(amount_kop=1_500_000, term_days=30)
    held(task, underwriter)
    services.review_approve(task_id=task.pk, actor=underwriter, amount_kop=1_000_000, term_days=20)
    loan = Loan.objects.get(pk=task.loan_id)
    task.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    assert (loan.principal_kop, loan.term_days) == (1_000_000, 20)
    assert (task.status, task.verdict, task.decided_by) == (
        TaskStatus.DECIDED,
        Verdict.APPROVE,
        underwriter,
    )
    log = TransitionLog.objects.get(loan=loan, transition="approve")
    assert log.actor == underwriter


def test_approve_above_the_robot_limit_is_refused_for_an_underwriter(make_task, underwriter):
    task = make_task(amount_kop=2_000_000, robot_limit_kop=1_000_000)
    held(task, underwriter)
    with pytest.raises(ReviewRefused, match="only a risk manager"):
        services.review_approve(task_id=task.pk, actor=underwriter)
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW
    assert ReviewTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_risk_manager_may_approve_above_the_robot_limit(make_task, risk_manager):
    task = make_task(amount_kop=2_000_000, robot_limit_kop=1_000_000)
    held(task, risk_manager)
    services.review_approve(task_id=task.pk, actor=risk_manager)
    assert Loan.objects.get(pk=task.loan_id).principal_kop == 2_000_000


def test_approve_below_the_product_minimum_is_refused_and_changes_nothing(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(InvalidAmount):
        services.review_approve(task_id=task.pk, actor=underwriter, amount_kop=50_000)
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW
    assert ReviewTask.objects.get(pk=task.pk).verdict == ""


def test_approve_for_longer_than_asked_is_refused(make_task, underwriter):
    task = make_task(term_days=20)
    held(task, underwriter)
    with pytest.raises(ReviewRefused):
        services.review_approve(task_id=task.pk, actor=underwriter, term_days=30)


def test_decline_needs_a_reason_code(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(ReviewRefused, match="at least one reason"):
        services.review_decline(task_id=task.pk, actor=underwriter, reasons=[])
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW


def test_decline_with_unknown_reason_is_refused(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(ReviewRefused, match="Unknown decline reason"):
        services.review_decline(task_id=task.pk, actor=underwriter, reasons=["bad_vibes"])


def test_decline_other_needs_a_comment(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(ReviewRefused, match="comment"):
        services.review_decline(task_id=task.pk, actor=underwriter, reasons=["other"])


def test_decline_records_the_reasons_and_rejects_the_loan(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    services.review_decline(
        task_id=task.pk,
        actor=underwriter,
        reasons=["fraud_suspected", "debt_load"],
        comment="two phones",
    )
    task.refresh_from_db()
    assert task.decline_reasons == ["debt_load", "fraud_suspected"]
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.REJECTED


def test_a_decision_on_a_task_someone_else_holds_is_refused(
    make_task, underwriter, other_underwriter
):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(ReviewConflict, match="uw1 is working on this application"):
        services.review_approve(task_id=task.pk, actor=other_underwriter)
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.IN_REVIEW


def test_a_decision_without_holding_the_task_is_refused(make_task, underwriter):
    task = make_task()
    with pytest.raises(ReviewConflict, match="Take the application first"):
        services.review_decline(task_id=task.pk, actor=underwriter, reasons=["debt_load"])


def test_a_second_decision_is_a_conflict(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    services.review_approve(task_id=task.pk, actor=underwriter)
    with pytest.raises(ReviewConflict, match="already been decided"):
        services.review_decline(task_id=task.pk, actor=underwriter, reasons=["debt_load"])
    assert Loan.objects.get(pk=task.loan_id).status == LoanStatus.APPROVED


def test_a_decision_on_a_cancelled_application_is_a_conflict(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    loan_services.loan_cancel(loan=task.loan, reason="borrower cancelled")
    with pytest.raises(ReviewConflict, match="no longer under review"):
        services.review_approve(task_id=task.pk, actor=underwriter)


def test_a_document_request_stops_the_sla_clock_and_its_return_restores_it(
    make_task, underwriter, settings
):
    settings.UNDERWRITING_DOCUMENT_WAIT_MINUTES = 60
    task = make_task(segment="new")
    held(task, underwriter)
    left_before = (task.due_at - timezone.now()).total_seconds()
    waiting = services.review_request_document(
        task_id=task.pk, actor=underwriter, document="income certificate"
    )
    assert waiting.status == TaskStatus.WAITING
    assert waiting.due_at - waiting.document_requested_at == timedelta(minutes=60)
    assert services.review_claim_next(actor=make_user("uw9")) is None
    reopened = services.review_document_received(task_id=task.pk, actor=underwriter)
    left_after = (reopened.due_at - timezone.now()).total_seconds()
    assert reopened.status == TaskStatus.OPEN
    assert abs(left_after - left_before) < 5


def test_a_document_request_writes_to_the_borrower(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    services.review_request_document(
        task_id=task.pk, actor=underwriter, document="справка о доходах"
    )
    message = BorrowerMessage.objects.get(borrower=task.loan.borrower)
    assert message.kind == "document_request" and "справка о доходах" in message.body


def test_a_document_request_needs_the_document_named(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    with pytest.raises(ReviewRefused):
        services.review_request_document(task_id=task.pk, actor=underwriter, document="  ")


def test_a_decision_after_the_deadline_counts_as_a_breach(make_task, underwriter):
    task = make_task()
    held(task, underwriter)
    ReviewTask.objects.filter(pk=task.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    decided = services.review_approve(task_id=task.pk, actor=underwriter)
    assert decided.sla_met is False
