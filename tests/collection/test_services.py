"""Cases, contacts, promises, restructuring and legal hand-over through the services."""

import datetime as dt

import pytest
from django.test import TestCase

from collection import services
from collection.cob import step_close_cases, step_promises, step_refresh_cases
from collection.errors import CaseRefused, ContactRefused
from collection.models import (
    BanKind,
    CaseStage,
    Channel,
    ClosingReason,
    CollectionCase,
    ContactAttempt,
    NextAction,
    Outcome,
    PromiseStatus,
    PromiseToPay,
    RefusedContact,
    Strategy,
)
from loans.models import BorrowerMessage, Loan, LoanStatus, RestructuringRequest
from loans.models.restructuring import RestructuringStatus
from tests.collection.conftest import DUE, msk, overdue_loan, overdue_loans
from tests.loans.helpers import repay

pytestmark = pytest.mark.django_db

MONDAY_10 = msk(2026, 12, 7, 10)


def test_a_call_is_logged_and_the_second_that_day_refused_with_the_reason(case, collector):
    attempt = services.contact_log(
        case=case, channel=Channel.CALL, outcome=Outcome.NO_ANSWER, actor=collector, at=MONDAY_10
    )
    assert attempt.local_at.startswith("2026-12-07 10:00")
    services.contact_log(
        case=case,
        channel=Channel.CALL,
        outcome=Outcome.PROMISE,
        actor=collector,
        at=msk(2026, 12, 7, 11),
    )
    with pytest.raises(ContactRefused) as refused:
        services.contact_log(
            case=case,
            channel=Channel.ROBOT_CALL,
            outcome=Outcome.REFUSED,
            actor=None,
            at=msk(2026, 12, 7, 12),
        )
    assert refused.value.code == "calls_per_day_limit"
    assert refused.value.next_allowed_at == msk(2026, 12, 8, 8)
    assert ContactAttempt.objects.count() == 2
    audit = RefusedContact.objects.get()
    assert (audit.case, audit.channel, audit.reason_code) == (
        case,
        "robot_call",
        "calls_per_day_limit",
    )


def test_another_collectors_case_is_refused_and_only_audited(case, other_collector):
    with pytest.raises(ContactRefused) as refused:
        services.contact_log(
            case=case,
            channel=Channel.CALL,
            outcome=Outcome.PROMISE,
            actor=other_collector,
            at=MONDAY_10,
        )
    assert refused.value.code == "not_your_case"
    assert not ContactAttempt.objects.exists()
    assert RefusedContact.objects.get().actor == other_collector
    with pytest.raises(CaseRefused):
        services.promise_record(
            case=case, amount_kop=1000, promised_on=dt.date(2026, 12, 9), actor=other_collector
        )
    assert not PromiseToPay.objects.exists()


def test_a_message_goes_to_the_outbox_and_counts(case, collector):
    services.message_send(case_or_borrower=case, kind="note", body="Оплатите", at=MONDAY_10)
    services.message_send(case_or_borrower=case, kind="note", body="Оплатите", at=MONDAY_10)
    with pytest.raises(ContactRefused):
        services.message_send(case_or_borrower=case, kind="note", body="Оплатите", at=MONDAY_10)
    assert BorrowerMessage.objects.filter(kind="collection_note").count() == 2
    assert ContactAttempt.objects.filter(channel=Channel.SMS).count() == 2


def test_cases_are_balanced_across_collectors_and_sticky(collector, other_collector, team_lead):
    loads = services.open_case_loads()
    cases = [services.case_open(debt=loan, on=DUE, loads=loads) for loan in overdue_loans(3)]
    assert len({c.collector_id for c in cases}) == 3  # three collectors, one case each
    again = services.case_open(debt=cases[0].loan, on=DUE)
    assert again.pk == cases[0].pk and again.collector == cases[0].collector


def test_only_a_team_lead_reassigns(case, collector, other_collector, team_lead):
    with pytest.raises(CaseRefused):
        services.case_reassign(case=case, collector=other_collector, actor=collector, reason="x")
    moved = services.case_reassign(
        case=case, collector=other_collector, actor=team_lead, reason="holiday"
    )
    assert moved.collector == other_collector
    assert moved.history.first().history_change_reason == "reassigned: holiday"


def test_rule_strategy_and_priority(collector):
    early = services.case_open(debt=overdue_loan(days=3), on=DUE)
    assert early.strategy == Strategy.REMIND
    assert early.recovery_probability == pytest.approx(0.6)
    assert early.priority_kop == round(0.6 * early.debt_kop)
    assert early.strategy_reason.startswith("rules:")


def test_a_promise_in_the_past_or_above_the_debt_is_refused(case, collector):
    loan = case.loan
    with pytest.raises(CaseRefused) as past:
        services.promise_record(
            case=case, amount_kop=1000, promised_on=dt.date(2026, 12, 1), actor=collector
        )
    assert past.value.code == "promise_in_past"
    with pytest.raises(CaseRefused) as above:
        services.promise_record(
            case=case,
            amount_kop=loan.debt_kop + 1,
            promised_on=dt.date(2026, 12, 9),
            actor=collector,
        )
    assert above.value.code == "promise_above_debt"
    assert not PromiseToPay.objects.exists()


def test_promises_are_kept_or_broken_by_the_payments(collector):
    kept_case, broken_case = (services.case_open(debt=loan, on=DUE) for loan in overdue_loans(2))
    today = dt.date(2026, 12, 5)
    kept = services.promise_record(
        case=kept_case,
        amount_kop=50_000,
        promised_on=today + dt.timedelta(days=2),
        actor=collector,
    )
    broken = services.promise_record(
        case=broken_case, amount_kop=50_000, promised_on=today, actor=collector
    )
    assert CollectionCase.objects.get(pk=kept_case.pk).next_action == NextAction.CHECK_PROMISE
    repay(kept_case.loan, 30_000)
    repay(kept_case.loan, 20_000)
    repay(broken_case.loan, 49_999)
    assert step_promises(today, MONDAY_10) == 2
    kept.refresh_from_db()
    broken.refresh_from_db()
    assert (kept.status, kept.paid_kop) == (PromiseStatus.KEPT, 50_000)
    assert (broken.status, broken.paid_kop) == (PromiseStatus.BROKEN, 49_999)
    for c in (kept_case, broken_case):
        c.refresh_from_db()
        assert (c.next_action, c.next_action_on) == (NextAction.CALL, today + dt.timedelta(days=1))


def test_refresh_and_close_are_set_based(collector):
    case = services.case_open(debt=overdue_loan(days=3), on=DUE)
    Loan.objects.filter(pk=case.loan_id).update(days_past_due=45, penalty_out_kop=777)
    assert step_refresh_cases(DUE, MONDAY_10) == 1
    case.refresh_from_db()
    assert (case.days_past_due, case.bucket, case.stage, case.penalty_kop) == (
        45,
        "31-60",
        CaseStage.HARD,
        777,
    )
    loan = Loan.objects.get(pk=case.loan_id)
    repay(loan, loan.debt_kop + 10_000)
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.CLOSED
    assert step_close_cases(DUE, MONDAY_10) == 1
    case.refresh_from_db()
    assert (case.stage, case.closing_reason) == (CaseStage.CLOSED, ClosingReason.PAID_IN_FULL)


def test_restructuring_is_offered_by_sms_and_accepted(case, collector):
    request = services.restructuring_offer(
        case=case, periods=4, period_days=14, actor=collector, at=MONDAY_10
    )
    assert request.status == RestructuringStatus.OFFERED
    message = BorrowerMessage.objects.get(kind="collection_restructuring_offer")
    assert "4 платежей" in message.body
    again = services.restructuring_offer(
        case=case, periods=6, period_days=14, actor=collector, at=msk(2026, 12, 7, 11)
    )
    assert again.pk == request.pk and again.periods == 6
    assert RestructuringRequest.objects.count() == 1
    loan = services.case_restructuring_accept(case=case)
    assert loan.status == LoanStatus.SERVICED and loan.restructured
    case.refresh_from_db()
    assert (case.stage, case.closing_reason) == (CaseStage.CLOSED, ClosingReason.RESTRUCTURED)
    assert RestructuringRequest.objects.get().status == RestructuringStatus.ACCEPTED


def test_an_offer_the_rules_forbid_changes_nothing(case, collector):
    with pytest.raises(ContactRefused):
        services.restructuring_offer(
            case=case, periods=4, period_days=14, actor=collector, at=msk(2026, 12, 7, 23)
        )
    assert not RestructuringRequest.objects.exists()
    assert not BorrowerMessage.objects.exists()


def test_legal_hand_over_needs_90_days_or_a_lead_and_freezes_soft_contacts(
    case, collector, team_lead
):
    with pytest.raises(CaseRefused) as refused:
        services.case_hand_over_to_legal(case=case, actor=collector)
    assert "90 days" in refused.value.message
    assert CollectionCase.objects.get(pk=case.pk).stage == CaseStage.SOFT
    services.case_hand_over_to_legal(case=case, actor=team_lead)
    case.refresh_from_db()
    assert case.stage == CaseStage.LEGAL and case.legal_by == team_lead
    with pytest.raises(ContactRefused) as frozen:
        services.contact_log(
            case=case,
            channel=Channel.CALL,
            outcome=Outcome.PROMISE,
            actor=collector,
            at=MONDAY_10,
        )
    assert frozen.value.code == "handed_over_to_legal"
    letter = services.contact_log(
        case=case,
        channel=Channel.LETTER,
        outcome=Outcome.NO_ANSWER,
        actor=collector,
        at=MONDAY_10,
    )
    assert letter.channel == Channel.LETTER


def test_no_hand_over_in_bankruptcy(case, team_lead):
    services.contact_ban_add(
        borrower=case.loan.borrower,
        kind=BanKind.BANKRUPTCY,
        valid_from=DUE,
        document="arbitration court ruling",
        actor=team_lead,
    )
    with pytest.raises(CaseRefused) as refused:
        services.case_hand_over_to_legal(case=case, actor=team_lead)
    assert "bankruptcy" in refused.value.message


def test_a_refusal_counts_only_after_four_months(case, team_lead, collector):
    borrower = case.loan.borrower
    with pytest.raises(CaseRefused) as early:
        services.contact_ban_add(
            borrower=borrower,
            kind=BanKind.REFUSAL,
            valid_from=DUE,
            document="notary",
            actor=team_lead,
        )
    assert early.value.code == "refusal_too_early"
    Loan.objects.filter(pk=case.loan_id).update(days_past_due=125)
    services.contact_ban_add(
        borrower=borrower,
        kind=BanKind.REFUSAL,
        valid_from=DUE,
        document="notary letter",
        actor=team_lead,
    )
    with pytest.raises(ContactRefused) as refused:
        services.contact_log(
            case=case,
            channel=Channel.CALL,
            outcome=Outcome.PROMISE,
            actor=collector,
            at=MONDAY_10,
        )
    assert refused.value.code == "ban_refusal" and refused.value.next_allowed_at is None


def test_the_open_case_is_unique_per_loan(case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionCase.objects.create(
            loan=case.loan,
            borrower=case.borrower,
            opened_on=DUE,
            strategy=Strategy.REMIND,
            recovery_probability=0.5,
            priority_kop=0,
            strategy_reason="x",
        )


def test_side_effects_wait_for_commit(case, collector):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.message_send(case_or_borrower=case, kind="note", body="x", at=MONDAY_10)
    assert BorrowerMessage.objects.count() == 1


def test_collection_messages_name_the_lender_as_every_other_sms_does(case, collector):
    from collection.tasks import REMINDER_BODY

    services.restructuring_offer(
        case=case, periods=4, period_days=14, actor=collector, at=MONDAY_10
    )
    offer = BorrowerMessage.objects.get(kind="collection_restructuring_offer")
    assert offer.body.startswith("Займер: ")
    assert REMINDER_BODY.startswith("Займер: ")
