"""Servicing by staff with four eyes: what one person does at once, what waits for another,
and what an approval checks again."""

import datetime as dt

import pytest

from desk import services
from desk.models import ActionKind, ActionStatus, ServicingAction, ServicingPolicy
from desk.services import BANK_TRANSFER, ServicingRefused
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.models import Account, IncomingPayment, LoanStatus
from tests.collection.conftest import ISSUED, overdue_loan
from tests.loans.helpers import balance, book, fresh, issued, loan_row, open_day, repay

THRESHOLD = 500_000  # 5 000 ₽


@pytest.fixture(autouse=True)
def _threshold(db):
    ServicingPolicy.objects.update_or_create(
        pk=1, defaults={"payment_four_eyes_above_kop": THRESHOLD}
    )


@pytest.fixture
def loan(business_date):
    return issued(on=ISSUED)


def pay(loan, actor, *, amount_kop=100_000, reference="PP-1", received_on=None):
    return services.servicing_post_payment(
        loan=loan,
        amount_kop=amount_kop,
        received_on=received_on or current_business_date(),
        bank_reference=reference,
        actor=actor,
    )


def overpaid(actor):
    """A live loan repaid with 1 000 ₽ too much: the rest is held for the borrower."""
    loan = issued(on=ISSUED)
    repay(loan, fresh(loan).debt_kop + 100_000)
    return fresh(loan)


# --- payments ------------------------------------------------------------------------------------


def test_a_payment_up_to_the_threshold_is_booked_at_once_by_one_person(loan, collector):
    action = pay(loan, collector, amount_kop=THRESHOLD)

    assert (action.status, action.four_eyes, action.proposed_by) == (
        ActionStatus.DONE,
        False,
        collector,
    )
    booked = IncomingPayment.objects.get(provider=BANK_TRANSFER, event_id="PP-1")
    assert (booked.amount_kop, action.payment) == (THRESHOLD, booked)
    assert fresh(loan).paid_debt_kop == THRESHOLD


def test_a_payment_a_kopeck_above_the_threshold_waits_and_books_nothing(loan, collector):
    before = book()
    action = pay(loan, collector, amount_kop=THRESHOLD + 1)

    assert (action.status, action.four_eyes) == (ActionStatus.PENDING, True)
    assert book() == before
    assert not IncomingPayment.objects.filter(event_id="PP-1").exists()


def test_the_threshold_comes_from_the_policy_in_the_admin(loan, collector):
    ServicingPolicy.objects.filter(pk=1).update(payment_four_eyes_above_kop=50_000)
    assert pay(loan, collector, amount_kop=50_001).status == ActionStatus.PENDING


def test_the_policy_holds_fifty_thousand_roubles_by_default(db):
    ServicingPolicy.objects.all().delete()
    assert ServicingPolicy.current().payment_four_eyes_above_kop == 5_000_000


def test_a_second_person_approving_books_the_payment_with_both_on_record(
    loan, collector, risk_manager
):
    action = pay(loan, collector, amount_kop=600_000)
    done = services.servicing_approve(action=action, actor=risk_manager, comment="statement ok")

    assert (done.status, done.proposed_by, done.decided_by, done.comment) == (
        ActionStatus.DONE,
        collector,
        risk_manager,
        "statement ok",
    )
    assert done.decided_at >= done.proposed_at
    assert done.payment.amount_kop == 600_000
    assert fresh(loan).paid_debt_kop == 600_000


def test_the_same_reference_again_books_nothing_more(loan, collector):
    first = pay(loan, collector)
    before = book()

    again = pay(loan, collector, reference=" PP-1 ")

    assert again == first
    assert book() == before


def test_a_reference_used_with_another_amount_is_refused(loan, collector):
    pay(loan, collector)
    with pytest.raises(ServicingRefused) as refused:
        pay(loan, collector, amount_kop=100_001)
    assert refused.value.code == "reference_used"


def test_a_reference_of_a_rejected_proposal_may_be_posted_again(loan, collector, risk_manager):
    proposal = pay(loan, collector, amount_kop=600_000)
    services.servicing_reject(action=proposal, actor=risk_manager, comment="wrong loan")

    assert pay(loan, collector, amount_kop=100_000).status == ActionStatus.DONE


def test_a_payment_approved_after_the_loan_was_repaid_is_held_for_the_borrower(
    loan, collector, risk_manager
):
    proposal = pay(loan, collector, amount_kop=600_000)
    repay(loan, fresh(loan).debt_kop)

    services.servicing_approve(action=proposal, actor=risk_manager)

    loan = fresh(loan)
    assert (loan.status, loan.overpayment_kop) == (LoanStatus.CLOSED, 600_000)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("amount_kop", 0, "invalid_amount"),
        ("amount_kop", -5, "invalid_amount"),
        ("reference", "", "invalid_reference"),
        ("reference", "a b", "invalid_reference"),
        ("reference", "x" * 65, "invalid_reference"),
    ],
)
def test_a_bad_payment_is_refused_and_changes_nothing(loan, collector, field, value, code):
    before = (book(), loan_row(loan))
    with pytest.raises(ServicingRefused) as refused:
        pay(loan, collector, **{field: value})
    assert refused.value.code == code
    assert (book(), loan_row(loan)) == before
    assert not ServicingAction.objects.exists()


def test_a_payment_received_tomorrow_is_refused(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        pay(loan, collector, received_on=dt.date(2100, 1, 1))
    assert refused.value.code == "future_date"


def test_a_payment_received_over_a_year_ago_is_refused(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        pay(loan, collector, received_on=current_business_date() - dt.timedelta(days=366))
    assert refused.value.code == "old_date"


# --- four eyes -----------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_proposal(loan, risk_manager):
    proposal = pay(loan, risk_manager, amount_kop=600_000)
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_approve(action=proposal, actor=risk_manager)
    assert refused.value.code == "four_eyes"
    assert fresh_action(proposal).status == ActionStatus.PENDING


def test_the_proposer_cannot_reject_their_own_proposal(loan, risk_manager):
    proposal = pay(loan, risk_manager, amount_kop=600_000)
    with pytest.raises(ServicingRefused):
        services.servicing_reject(action=proposal, actor=risk_manager, comment="oops")


def test_a_collector_cannot_approve(loan, collector, administrator):
    proposal = pay(loan, administrator, amount_kop=600_000)
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_approve(action=proposal, actor=collector)
    assert refused.value.code == "role"


def test_an_underwriter_cannot_post_a_payment(loan, underwriter):
    with pytest.raises(ServicingRefused) as refused:
        pay(loan, underwriter)
    assert refused.value.code == "role"


def test_a_proposal_approved_twice_books_once(loan, collector, risk_manager, administrator):
    proposal = pay(loan, collector, amount_kop=600_000)
    services.servicing_approve(action=proposal, actor=risk_manager)
    before = book()

    with pytest.raises(ServicingRefused) as refused:
        services.servicing_approve(action=proposal, actor=administrator)

    assert refused.value.code == "decided"
    assert book() == before


def test_a_rejected_proposal_cannot_be_approved(loan, collector, risk_manager, administrator):
    proposal = pay(loan, collector, amount_kop=600_000)
    services.servicing_reject(action=proposal, actor=risk_manager, comment="no such transfer")
    with pytest.raises(ServicingRefused):
        services.servicing_approve(action=proposal, actor=administrator)
    assert not IncomingPayment.objects.filter(event_id="PP-1").exists()


def test_a_rejection_says_why(loan, collector, risk_manager):
    proposal = pay(loan, collector, amount_kop=600_000)
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_reject(action=proposal, actor=risk_manager, comment="  ")
    assert refused.value.code == "no_comment"


def fresh_action(action):
    return ServicingAction.objects.get(pk=action.pk)


# --- refunds -------------------------------------------------------------------------------------


def test_a_refund_always_waits_for_a_second_person(business_date, collector):
    loan = overpaid(collector)
    proposal = services.servicing_propose_refund(
        loan=loan, reason="asked by phone", actor=collector
    )

    assert (proposal.status, proposal.amount_kop) == (ActionStatus.PENDING, 100_000)
    assert fresh(loan).overpayment_kop == 100_000


def test_an_approved_refund_returns_what_is_held(business_date, collector, risk_manager):
    loan = overpaid(collector)
    cash = balance(Account.CASH)
    proposal = services.servicing_propose_refund(loan=loan, reason="asked", actor=collector)

    services.servicing_approve(action=proposal, actor=risk_manager)

    assert fresh(loan).overpayment_kop == 0
    assert balance(Account.CASH) == cash - 100_000


def test_a_refund_is_refused_when_nothing_is_held(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_propose_refund(loan=loan, reason="asked", actor=collector)
    assert refused.value.code == "nothing_held"


def test_a_refund_proposed_twice_is_refused_the_second_time(business_date, collector):
    loan = overpaid(collector)
    services.servicing_propose_refund(loan=loan, reason="asked", actor=collector)
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_propose_refund(loan=loan, reason="asked again", actor=collector)
    assert refused.value.code == "pending"


def test_a_refund_whose_amount_changed_since_the_proposal_is_refused(
    business_date, collector, risk_manager
):
    loan = overpaid(collector)
    proposal = services.servicing_propose_refund(loan=loan, reason="asked", actor=collector)
    pay(loan, collector, amount_kop=5_000)  # the closed loan holds this too
    before = book()

    with pytest.raises(ServicingRefused) as refused:
        services.servicing_approve(action=proposal, actor=risk_manager)

    assert refused.value.code == "changed_since_proposal"
    assert book() == before
    assert fresh_action(proposal).status == ActionStatus.PENDING


# --- write-offs ----------------------------------------------------------------------------------


def test_an_approved_write_off_writes_the_loan_off_as_the_approver(
    business_date, collector, risk_manager
):
    loan = overdue_loan()
    proposal = services.servicing_propose_write_off(
        loan=loan, reason="debtor deceased", actor=collector
    )
    assert fresh(loan).status == LoanStatus.OVERDUE

    services.servicing_approve(action=proposal, actor=risk_manager)

    loan = fresh(loan)
    assert (loan.status, loan.debt_kop) == (LoanStatus.WRITTEN_OFF, 0)
    assert loan.transitions.get(transition="write_off").actor == risk_manager


def test_only_an_overdue_loan_may_be_proposed_for_write_off(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_propose_write_off(loan=loan, reason="x", actor=collector)
    assert refused.value.code == "not_overdue"


def test_a_write_off_of_a_loan_repaid_since_the_proposal_is_refused_cleanly(
    business_date, collector, risk_manager
):
    loan = overdue_loan()
    proposal = services.servicing_propose_write_off(loan=loan, reason="hopeless", actor=collector)
    repay(loan, loan_services.repayment_quote_kop(loan=fresh(loan)))
    before = (book(), loan_row(loan))

    with pytest.raises(ServicingRefused) as refused:
        services.servicing_approve(action=proposal, actor=risk_manager)

    assert refused.value.code == "transition_not_allowed"
    assert "closed" in refused.value.message
    assert (book(), loan_row(loan)) == before


def test_a_write_off_needs_a_reason(business_date, collector):
    loan = overdue_loan()
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_propose_write_off(loan=loan, reason=" ", actor=collector)
    assert refused.value.code == "no_reason"


# --- prolongation and restructuring by phone -----------------------------------------------------


def test_a_prolongation_paid_by_transfer_moves_the_due_date_at_once(loan, collector):
    open_day(ISSUED + dt.timedelta(days=10))
    quote = loan_services.prolongation_quote(loan=fresh(loan), days=14)
    action = services.servicing_prolong(
        loan=loan,
        days=14,
        amount_kop=quote["pay_kop"],
        received_on=current_business_date(),
        bank_reference="PP-77",
        reason="asked by phone",
        actor=collector,
    )

    assert action.status == ActionStatus.DONE
    assert action.payment.amount_kop == quote["pay_kop"]
    assert fresh(loan).prolongations == 1


def test_a_prolongation_paid_with_the_wrong_amount_is_refused_with_the_price(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_prolong(
            loan=loan,
            days=14,
            amount_kop=1,
            received_on=current_business_date(),
            bank_reference="PP-77",
            reason="asked by phone",
            actor=collector,
        )
    assert refused.value.code == "prolongation_price"
    assert not ServicingAction.objects.exists()


def test_a_restructuring_by_phone_is_done_at_once(business_date, collector):
    loan = overdue_loan()
    action = services.servicing_restructure(
        loan=loan, periods=4, period_days=14, reason="lost job", actor=collector
    )
    assert (action.kind, action.status) == (ActionKind.RESTRUCTURING, ActionStatus.DONE)
    assert fresh(loan).restructured


def test_a_restructuring_of_a_loan_not_overdue_is_refused_in_words(loan, collector):
    with pytest.raises(ServicingRefused) as refused:
        services.servicing_restructure(
            loan=loan, periods=4, period_days=14, reason="asked", actor=collector
        )
    assert refused.value.code == "transition_not_allowed"
    assert not ServicingAction.objects.exists()
