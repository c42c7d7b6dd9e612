"""Prolongation, restructuring, write-off, overpayments, repeated events and bad requests."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from loans import services, servicing
from loans.cob import run_cob_until
from loans.errors import (
    CapExceeded,
    Conflict,
    DomainError,
    InvalidAmount,
    LimitExceeded,
    TransitionNotAllowed,
)
from loans.models import (
    Account,
    IncomingPayment,
    JournalEntry,
    Loan,
    LoanStatus,
    RestructuringRequest,
    TransitionLog,
)
from tests.factories import (
    IlProductFactory,
    PdlProductFactory,
    applied_loan,
    bureaus_answered,
    signed_loan,
)
from tests.loans.helpers import (
    DAY,
    balance,
    book,
    event_id,
    fresh,
    issued,
    loan_row,
    open_day,
    repay,
    rounded_down,
)

DUE = dt.date(2026, 12, 2)


@pytest.fixture
def anna(db):
    return get_user_model().objects.create_user(username="anna", password="not-used-here")


def assert_unchanged(loan: Loan, before: tuple):
    assert (loan_row(loan), book()) == before


def snapshot(loan: Loan) -> tuple:
    return loan_row(loan), book()


def overdue_pdl(business_date, *, opened: dt.date = dt.date(2026, 12, 6), **kwargs) -> Loan:
    loan = issued(on=business_date, **kwargs)
    open_day(opened)
    loan = fresh(loan)
    assert loan.status == LoanStatus.OVERDUE
    return loan


def prolong(loan: Loan, *, days: int, amount_kop: int | None = None, actor=None, event=None):
    loan = fresh(loan)
    if amount_kop is None:
        amount_kop = services.prolongation_quote(loan=loan, days=days)["pay_kop"]
    return services.loan_prolong(
        loan=loan,
        days=days,
        provider="sbx",
        event_id=event or event_id(),
        amount_kop=amount_kop,
        actor=actor,
    )


def fee_product(**kwargs):
    return PdlProductFactory(code="pdl-fee", prolongation_fee_kop=50_000, **kwargs)


# --- prolongation ----------------------------------------------------------------------------


def test_prolongation_quote_is_the_interest_so_far_plus_the_fee(business_date):
    loan = issued(on=business_date, product=fee_product())
    open_day(business_date + 10 * DAY)

    quote = services.prolongation_quote(loan=fresh(loan), days=14)

    assert quote == {
        "pay_kop": 10 * 8_000 + 50_000,
        "fee_kop": 50_000,
        "new_due_date": DUE + 14 * DAY,
        "interest_kop": 34 * 8_000,  # 2026-11-12 → 2026-12-16
    }


def test_prolongation_paid_with_the_quote_moves_the_due_date(business_date):
    loan = issued(on=business_date, product=fee_product())
    open_day(business_date + 10 * DAY)

    loan = prolong(loan, days=14, amount_kop=130_000)

    loan = fresh(loan)
    assert (loan.next_due_date, loan.maturity_date) == (DUE + 14 * DAY, DUE + 14 * DAY)
    assert (loan.prolongations, loan.schedule_version) == (1, 2)
    assert (loan.principal_out_kop, loan.interest_out_kop, loan.fees_out_kop) == (1_000_000, 0, 0)
    assert loan.charges_total_kop == 130_000
    item = loan.schedule_items.get(version=2)
    assert (item.due_date, item.principal_kop, item.interest_kop) == (
        DUE + 14 * DAY,
        1_000_000,
        272_000,
    )
    assert balance(Account.FEE_INCOME) == -50_000
    assert balance(Account.CASH) == -1_000_000 + 130_000


def test_prolongation_for_any_other_amount_is_refused(business_date):
    loan = issued(on=business_date, product=fee_product())
    open_day(business_date + 10 * DAY)
    before = snapshot(loan)

    with pytest.raises(InvalidAmount, match="exactly 130000 kop"):
        prolong(loan, days=14, amount_kop=129_999)

    assert_unchanged(loan, before)
    assert not IncomingPayment.objects.exists()


@pytest.mark.parametrize("days", [6, 31])
def test_prolongation_outside_7_to_30_days_is_refused(business_date, days):
    loan = issued(on=business_date)
    before = snapshot(loan)

    with pytest.raises(DomainError, match="7–30 days") as refused:
        prolong(loan, days=days, amount_kop=1)

    assert refused.value.code == "invalid_prolongation_days"
    assert_unchanged(loan, before)


def test_prolongation_beyond_the_product_limit_is_refused(business_date):
    loan = issued(on=business_date, product=PdlProductFactory(code="pdl-1x", max_prolongations=1))
    open_day(business_date + 5 * DAY)
    prolong(loan, days=7)
    before = snapshot(loan)

    with pytest.raises(LimitExceeded, match=r"allows 1 prolongation\(s\); 1 already used"):
        prolong(loan, days=7, amount_kop=1)

    assert_unchanged(loan, before)


def test_an_installment_loan_cannot_be_prolonged(business_date):
    loan = issued(on=business_date, product=IlProductFactory(), term_days=56)
    before = snapshot(loan)

    with pytest.raises(DomainError, match="Only payday loans can be prolonged"):
        prolong(loan, days=14, amount_kop=1)

    assert_unchanged(loan, before)


def test_prolongation_that_would_break_the_cap_on_all_charges_is_refused(business_date):
    loan = issued(on=business_date, product=PdlProductFactory(code="pdl-5x", max_prolongations=5))
    # Prolonged by 30, 30 and 20 days on three days: charges paid 3 × 80 ₽; 2027-01-01 is a
    # holiday, so the first new due date is Monday 2027-01-11; the last due date is
    # 2027-03-02. On 2027-11-06 the room is 10 000 − 240 − 80 (today) = 9 680 ₽, and even
    # 7 more days (to 2027-03-09) would charge 123 days × 80 ₽ = 9 840 ₽.
    for day, days in ((3, 30), (4, 30), (5, 20)):
        open_day(dt.date(2026, 11, day))
        prolong(loan, days=days)
    assert fresh(loan).maturity_date == dt.date(2027, 3, 2)
    open_day(dt.date(2026, 11, 6))
    before = snapshot(loan)

    with pytest.raises(CapExceeded, match="cap on all charges"):
        prolong(loan, days=7, amount_kop=8_000)

    assert_unchanged(loan, before)


def test_prolonging_an_overdue_loan_cures_it(business_date, anna):
    loan = overdue_pdl(business_date)

    prolong(loan, days=10, amount_kop=272_000 + 4 * 547, actor=anna)

    loan = fresh(loan)
    assert loan.status == LoanStatus.SERVICED
    assert (loan.days_past_due, loan.overdue_since) == (0, None)
    assert loan.next_due_date == dt.date(2026, 12, 16)
    assert loan.debt_kop == 1_000_000
    cure = TransitionLog.objects.get(loan=loan, transition="cure")
    assert (cure.actor_label, cure.reason) == ("anna", "prolonged by 10 days")


def test_a_loan_with_only_charges_left_cannot_be_prolonged(business_date):
    # Found by the property test: the prolongation paid the last penalty and left a live
    # loan owing nothing.
    loan = overdue_pdl(business_date)
    quote = services.repayment_quote_kop(loan=loan)
    repay(loan, amount_kop=quote - 4 * 547)  # all but the penalty (paid last when overdue)
    loan = fresh(loan)
    assert loan.principal_out_kop == 0 and loan.debt_kop > 0
    before = (loan_row(loan), book())

    with pytest.raises(DomainError) as refused:
        prolong(loan, days=10)

    assert refused.value.code == "nothing_to_prolong"
    assert_unchanged(loan, before)


# --- restructuring ---------------------------------------------------------------------------


def test_restructuring_an_overdue_loan_spreads_the_debt_over_a_plan(business_date):
    loan = overdue_pdl(business_date)
    debt = 1_000_000 + 34 * 8_000 + 4 * 547  # accrued through today, 2026-12-06

    services.loan_restructure(loan=loan, periods=4, period_days=14)

    loan = fresh(loan)
    assert loan.status == LoanStatus.SERVICED
    assert (loan.schedule_version, loan.restructured, loan.penalties_stopped) == (2, True, True)
    assert loan.debt_kop == debt
    items = list(loan.schedule_items.filter(version=2).order_by("seq"))
    # Every 14 days from Sunday 2026-12-06 is a Sunday: each moves to the next working day,
    # 2027-01-03 past the New Year holidays (Civil Code art. 193).
    assert [item.due_date for item in items] == [
        dt.date(2026, 12, 21),
        dt.date(2027, 1, 11),
        dt.date(2027, 1, 18),
        dt.date(2027, 2, 1),
    ]
    assert sum(item.principal_kop + item.arrears_kop for item in items) == debt
    assert sum(item.total_kop for item in items) == debt + sum(i.interest_kop for i in items)
    assert loan.charges_total_kop + sum(i.interest_kop for i in items) <= loan.charges_cap_kop
    assert loan.next_due_date == dt.date(2026, 12, 21)
    # Level installments, the last one no larger.
    level = items[0].total_kop
    assert [item.total_kop for item in items[:3]] == [level] * 3
    assert 0 < items[3].total_kop <= level


def test_a_restructuring_plan_pays_the_earlier_charges_before_principal(business_date):
    # The legal order takes penalty and interest before principal, so must the plan: each
    # period's interest is on the principal left after the earlier installments.
    loan = overdue_pdl(business_date)

    services.loan_restructure(loan=loan, periods=4, period_days=14)

    items = list(fresh(loan).schedule_items.filter(version=2).order_by("seq"))
    arrears = 34 * 8_000 + 4 * 547
    assert items[0].arrears_kop == arrears  # a level payment is larger than the arrears
    # The first due date moves from Sunday 12-20 to Monday 12-21: 15 days of interest.
    assert items[0].principal_kop == items[0].total_kop - arrears - 15 * 8_000
    assert [item.arrears_kop for item in items[1:]] == [0, 0, 0]
    outstanding, since = 1_000_000, dt.date(2026, 12, 6)
    for item in items:
        days, since = (item.due_date - since).days, item.due_date
        assert item.interest_kop == days * rounded_down(outstanding * 8, 1_000)
        outstanding -= item.principal_kop
    assert outstanding == 0


def test_penalties_stop_after_restructuring(business_date):
    loan = overdue_pdl(business_date)
    services.loan_restructure(loan=loan, periods=2, period_days=14)
    penalty = fresh(loan).penalty_out_kop

    run_cob_until(until=dt.date(2027, 1, 10))

    loan = fresh(loan)
    assert loan.status == LoanStatus.OVERDUE  # the first installment was missed
    assert loan.penalty_out_kop == penalty
    assert not JournalEntry.objects.filter(
        loan=loan, kind="accrual", lines__account="loan_penalty", business_date__gt=DUE + 4 * DAY
    ).exists()


def test_a_restructured_plan_paid_on_schedule_closes_the_loan(business_date):
    loan = overdue_pdl(business_date)
    services.loan_restructure(loan=loan, periods=3, period_days=14)

    for item in fresh(loan).schedule_items.filter(version=2).order_by("seq"):
        open_day(item.due_date)
        assert fresh(loan).status == LoanStatus.SERVICED
        repay(loan, item.total_kop)

    loan = fresh(loan)
    assert loan.status == LoanStatus.CLOSED
    assert loan.overpayment_kop == 0


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(100_000, 3_000_000),
    interest=st.integers(0, 600_000),
    penalty=st.integers(0, 100_000),
    rate=st.sampled_from([3_500, 7_000, 8_000]),
    room=st.integers(0, 3_000_000),
    periods=st.integers(1, 24),
    period_days=st.integers(7, 31),
)
def test_a_restructuring_plan_paid_on_schedule_always_clears_the_debt(
    principal, interest, penalty, rate, room, periods, period_days
):
    # No database: daily accrual and the legal allocation applied by hand to the loan's state.
    loan = Loan(
        principal_out_kop=principal,
        interest_out_kop=interest,
        penalty_out_kop=penalty,
        daily_rate_ppm=rate,
        charges_cap_kop=room,
        charges_total_kop=0,
        next_due_date=dt.date(2027, 1, 1),
    )
    items, shares = services.restructuring_plan(
        loan=loan,
        periods=periods,
        period_days=period_days,
        on=dt.date(2026, 12, 6),
        due_on=lambda day: day,  # the plan's arithmetic; moved due dates are tested above
    )

    assert sum(i.principal_kop for i in items) + sum(shares) == principal + interest + penalty
    for item, share in zip(items, shares, strict=True):
        accrued = 0
        for _ in range(period_days):
            day = min(rounded_down(loan.principal_out_kop * rate, 1_000_000), loan.charges_room_kop)
            loan.interest_out_kop += day
            loan.charges_total_kop += day
            accrued += day
        assert accrued == item.interest_kop
        paid = servicing.allocate(loan, item.total_kop + share)
        assert paid.overpayment_kop == 0
        assert paid.principal_kop == item.principal_kop
        loan.penalty_out_kop -= paid.penalty_kop
        loan.interest_out_kop -= paid.interest_kop
        loan.principal_out_kop -= paid.principal_kop
    assert loan.debt_kop == 0


@pytest.mark.parametrize(("periods", "period_days"), [(0, 14), (25, 14), (3, 6), (3, 32)])
def test_a_plan_outside_1_to_24_installments_every_7_to_31_days_is_refused(
    business_date, periods, period_days
):
    loan = overdue_pdl(business_date)
    before = snapshot(loan)

    with pytest.raises(DomainError, match="1–24 installments every 7–31 days"):
        services.loan_restructure(loan=loan, periods=periods, period_days=period_days)

    assert_unchanged(loan, before)


def test_only_an_overdue_loan_can_be_restructured(business_date):
    loan = issued(on=business_date)
    before = snapshot(loan)

    with pytest.raises(TransitionNotAllowed, match="Only an overdue loan"):
        services.loan_restructure(loan=loan, periods=3, period_days=14)

    assert_unchanged(loan, before)


def test_a_restructuring_request_previews_the_plan_the_restructuring_builds(business_date):
    loan = overdue_pdl(business_date)
    before = snapshot(loan)

    items, shares = services.restructuring_preview(loan=loan, periods=4, period_days=14)
    request = services.restructuring_request(loan=loan, periods=4, period_days=14)

    assert (request.status, request.periods, request.period_days) == ("requested", 4, 14)
    assert_unchanged(loan, before)  # asking changes nothing: collection makes the offer
    services.loan_restructure(loan=fresh(loan), periods=4, period_days=14)
    built = fresh(loan).schedule_items.filter(version=2).order_by("seq")
    assert [(i.due_date, i.principal_kop, i.interest_kop, i.arrears_kop) for i in built] == [
        (i.due_date, i.principal_kop, i.interest_kop, share)
        for i, share in zip(items, shares, strict=True)
    ]


def test_one_open_restructuring_request_per_loan(business_date):
    loan = overdue_pdl(business_date)
    first = services.restructuring_request(loan=loan, periods=4, period_days=14)

    with pytest.raises(Conflict, match="already open"):
        services.restructuring_request(loan=loan, periods=6, period_days=14)
    with pytest.raises(IntegrityError), transaction.atomic():
        RestructuringRequest.objects.create(loan=loan, periods=6, period_days=14, status="offered")
    assert RestructuringRequest.objects.count() == 1

    RestructuringRequest.objects.filter(pk=first.pk).update(status="declined")
    again = services.restructuring_request(loan=loan, periods=6, period_days=14)
    assert again.status == "requested"


def test_a_restructuring_request_needs_an_overdue_loan_and_a_plan_in_bounds(business_date):
    live = issued(on=business_date)
    for ask in (services.restructuring_preview, services.restructuring_request):
        with pytest.raises(TransitionNotAllowed, match="Only an overdue loan"):
            ask(loan=live, periods=3, period_days=14)
    overdue = overdue_pdl(business_date, opened=dt.date(2026, 12, 6))
    for ask in (services.restructuring_preview, services.restructuring_request):
        with pytest.raises(DomainError, match="1–24 installments every 7–31 days"):
            ask(loan=overdue, periods=25, period_days=14)
    with pytest.raises(IntegrityError), transaction.atomic():
        RestructuringRequest.objects.create(loan=overdue, periods=3, period_days=6)
    assert not RestructuringRequest.objects.exists()


# --- write-off -------------------------------------------------------------------------------


def test_write_off_moves_the_whole_debt_to_write_off_expense(business_date, anna):
    loan = overdue_pdl(business_date)
    debt = 1_000_000 + 33 * 8_000 + 3 * 547  # accrued by COB through 2026-12-05

    services.loan_write_off(loan=loan, reason="sold to a collection agency", actor=anna)

    loan = fresh(loan)
    assert loan.status == LoanStatus.WRITTEN_OFF
    assert loan.debt_kop == 0
    assert loan.closed_on == dt.date(2026, 12, 6)
    assert balance(Account.WRITE_OFF_EXPENSE) == debt
    for account in (Account.LOAN_PRINCIPAL, Account.LOAN_INTEREST, Account.LOAN_PENALTY):
        assert balance(account, loan=loan) == 0
    log = TransitionLog.objects.get(loan=loan, transition="write_off")
    assert (log.actor_label, log.reason) == ("anna", "sold to a collection agency")


def test_a_serviced_loan_cannot_be_written_off(business_date):
    loan = issued(on=business_date)
    before = snapshot(loan)

    with pytest.raises(TransitionNotAllowed, match="'write_off' is not allowed from status"):
        services.loan_write_off(loan=loan, reason="no")

    assert_unchanged(loan, before)


def test_a_written_off_loan_accrues_nothing_more(business_date):
    loan = overdue_pdl(business_date)
    services.loan_write_off(loan=loan, reason="uncollectable")
    before = snapshot(loan)

    run_cob_until(until=dt.date(2026, 12, 31))

    assert_unchanged(loan, before)


# --- overpayment -----------------------------------------------------------------------------


def test_an_overpayment_is_held_for_the_borrower_and_refunded_on_request(business_date):
    loan = issued(on=business_date)
    repay(loan, 1_005_000)
    loan = fresh(loan)
    assert (loan.status, loan.overpayment_kop) == (LoanStatus.CLOSED, 5_000)
    assert balance(Account.BORROWER_OVERPAYMENT, loan=loan) == -5_000

    assert services.loan_refund_overpayment(loan=loan) == 5_000

    loan = fresh(loan)
    assert loan.overpayment_kop == 0
    assert balance(Account.BORROWER_OVERPAYMENT, loan=loan) == 0
    assert balance(Account.CASH) == -1_000_000 + 1_005_000 - 5_000


def test_refunding_when_nothing_is_held_is_refused(business_date):
    loan = issued(on=business_date)
    repay(loan, 1_005_000)
    services.loan_refund_overpayment(loan=loan)
    before = snapshot(loan)

    with pytest.raises(InvalidAmount, match="Nothing is held"):
        services.loan_refund_overpayment(loan=loan)

    assert_unchanged(loan, before)


# --- repeated provider events ----------------------------------------------------------------


def test_a_repeated_repayment_event_changes_nothing(business_date):
    loan = issued(on=business_date)
    open_day(business_date + 3 * DAY)
    first = repay(loan, 100_000, event="pay-1")
    before = snapshot(loan)

    again = repay(loan, 100_000, event="pay-1")

    assert again.pk == first.pk
    assert_unchanged(loan, before)
    assert IncomingPayment.objects.count() == 1


def test_a_repeated_event_for_the_payment_that_closed_the_loan_returns_the_first(business_date):
    loan = issued(on=business_date)
    first = repay(loan, 1_000_000, event="pay-all")
    before = snapshot(loan)

    assert repay(loan, 1_000_000, event="pay-all").pk == first.pk
    assert_unchanged(loan, before)


def test_the_same_event_with_another_amount_is_refused(business_date):
    loan = issued(on=business_date)
    repay(loan, 100_000, event="pay-1")
    before = snapshot(loan)

    with pytest.raises(DomainError, match="already recorded with another loan or amount"):
        repay(loan, 100_001, event="pay-1")

    assert_unchanged(loan, before)


def test_the_same_event_for_another_loan_is_refused(business_date):
    loan = issued(on=business_date)
    other = issued(on=business_date)
    repay(loan, 100_000, event="pay-1")
    before = snapshot(other)

    with pytest.raises(DomainError, match="already recorded with another loan or amount"):
        repay(other, 100_000, event="pay-1")

    assert_unchanged(other, before)


# --- bad requests ----------------------------------------------------------------------------


def test_a_repayment_for_a_closed_loan_is_refused(business_date):
    loan = issued(on=business_date)
    repay(loan, 1_000_000)
    before = snapshot(loan)

    with pytest.raises(TransitionNotAllowed, match="Cannot accept a repayment: the loan is closed"):
        repay(loan, 10_000)

    assert_unchanged(loan, before)


def test_a_repayment_before_the_payout_is_refused(business_date):
    loan = signed_loan()
    before = snapshot(loan)

    with pytest.raises(TransitionNotAllowed, match="Cannot accept a repayment"):
        repay(loan, 10_000)

    assert_unchanged(loan, before)


@pytest.mark.parametrize("amount", [0, -100, 1.5, "100", True])
def test_a_repayment_that_is_not_a_positive_whole_number_of_kopecks_is_refused(
    business_date, amount
):
    loan = issued(on=business_date)
    before = snapshot(loan)

    with pytest.raises(InvalidAmount, match="amount must be"):
        repay(loan, amount)

    assert_unchanged(loan, before)
    assert not IncomingPayment.objects.exists()


@pytest.mark.parametrize("amount", [0, -1_000_000])
def test_an_application_for_a_non_positive_amount_is_refused(business_date, amount):
    with pytest.raises(InvalidAmount, match="amount must be positive"):
        applied_loan(amount_kop=amount)

    assert not Loan.objects.exists()


def _serviced(business_date):
    return issued(on=business_date)


def _closed(business_date):
    loan = issued(on=business_date)
    repay(loan, 1_000_000)
    return loan


def _applied(business_date):
    return applied_loan()


REFUSED = [
    (_serviced, "cancel", lambda loan: services.loan_cancel(loan=loan, reason="x")),
    (_serviced, "approve", lambda loan: services.loan_approve(loan=loan)),
    (_serviced, "decline", lambda loan: services.loan_decline(loan=loan, reason="x")),
    (_serviced, "score", lambda loan: services.loan_score(loan=loan)),
    (_serviced, "write_off", lambda loan: services.loan_write_off(loan=loan, reason="x")),
    (_closed, "write_off", lambda loan: services.loan_write_off(loan=loan, reason="x")),
    (_closed, "cancel", lambda loan: services.loan_cancel(loan=loan, reason="x")),
    (_applied, "approve", lambda loan: services.loan_approve(loan=loan)),
    (_applied, "refer", lambda loan: services.loan_refer(loan=loan, reason="x")),
    (_applied, "decline", lambda loan: services.loan_decline(loan=loan, reason="x")),
]


@pytest.mark.parametrize(
    ("make", "transition", "call"), REFUSED, ids=[f"{m.__name__[1:]}-{t}" for m, t, _ in REFUSED]
)
def test_a_transition_not_allowed_from_the_status_is_refused_and_changes_nothing(
    business_date, make, transition, call
):
    loan = make(business_date)
    before = snapshot(loan)
    logged = TransitionLog.objects.count()
    history = fresh(loan).history.count()

    with pytest.raises(TransitionNotAllowed, match=f"'{transition}' is not allowed from status"):
        call(fresh(loan))

    assert_unchanged(loan, before)
    assert TransitionLog.objects.count() == logged
    assert fresh(loan).history.count() == history


# --- the record of who did what ---------------------------------------------------------------


def test_every_transition_is_logged_once_with_its_actor(business_date, anna):
    loan = services.loan_score(loan=applied_loan())
    loan = services.loan_approve(loan=loan, actor=anna, reason="income confirmed")
    bureaus_answered(loan.borrower)
    loan = services.loan_sign(loan=loan)
    from django.test import TestCase

    from tests.factories import DEMO_BIK, valid_account

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.loan_disburse(
            loan=loan,
            method="bank_account",
            destination={"account": valid_account(), "bik": DEMO_BIK},
            actor=anna,
        )
    open_day(DUE + 2 * DAY)
    prolong(loan, days=7, actor=anna)
    repay(loan, services.repayment_quote_kop(loan=fresh(loan)))

    assert list(
        TransitionLog.objects.filter(loan=loan)
        .order_by("id")
        .values_list("transition", "source", "target", "actor_label")
    ) == [
        ("score", "applied", "scored", "system"),
        ("approve", "scored", "approved", "anna"),
        ("disburse", "approved", "disbursed", "anna"),
        ("confirm_payout", "disbursed", "serviced", "system"),
        ("miss_due_date", "serviced", "overdue", "system"),
        ("cure", "overdue", "serviced", "anna"),
        ("repay_in_full", "serviced", "closed", "system"),
    ]
    assert TransitionLog.objects.get(transition="approve").reason == "income confirmed"
    assert TransitionLog.objects.get(transition="approve").actor == anna


def test_history_records_each_service_change_with_its_user(business_date, anna):
    loan = services.loan_score(loan=applied_loan())
    services.loan_approve(loan=loan, actor=anna)
    services.loan_cancel(loan=loan, reason="borrower changed their mind", actor=anna)

    records = list(fresh(loan).history.order_by("history_id"))

    assert [r.status for r in records] == ["applied", "scored", "approved", "cancelled"]
    assert [r.history_user for r in records] == [None, None, anna, anna]
    assert records[-1].history_change_reason == "borrower changed their mind"


def test_a_long_reason_is_kept_whole_in_the_transition_log(business_date):
    reason = "по решению андеррайтера: " + "подробности " * 20
    loan = services.loan_score(loan=applied_loan())

    loan = services.loan_refer(loan=loan, reason=reason)

    assert loan.transitions.get(transition="refer").reason == reason
    assert len(loan.history.first().history_change_reason) <= 100


# --- the robot's decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "status"),
    [("approve", "approved"), ("refer", "in_review"), ("decline", "rejected")],
)
def test_the_robots_decision_logs_scoring_and_its_answer_and_saves_the_loan_once(
    business_date, decision, status
):
    loan = applied_loan()
    history = fresh(loan).history.count()

    decided = services.loan_decide(loan=loan, decision=decision, reason="scoring: rules")

    assert fresh(decided).status == status
    assert list(
        TransitionLog.objects.filter(loan=loan).order_by("id").values_list("transition", "target")
    ) == [("score", "scored"), (decision, status)]
    assert fresh(loan).history.count() == history + 1


def test_the_robot_approves_a_lower_amount_and_a_personal_rate(business_date):
    loan = applied_loan(amount_kop=1_000_000)

    decided = services.loan_decide(
        loan=loan,
        decision="approve",
        amount_kop=600_000,
        daily_rate_ppm=5_000,
        reason="scoring: limit",
    )

    assert (fresh(decided).principal_kop, fresh(decided).daily_rate_ppm) == (600_000, 5_000)


def test_the_robot_cannot_approve_more_than_was_asked_and_nothing_changes(business_date):
    loan = applied_loan(amount_kop=1_000_000)
    before = snapshot(loan)

    with pytest.raises(InvalidAmount):
        services.loan_decide(loan=loan, decision="approve", amount_kop=1_000_001, reason="x")

    assert_unchanged(loan, before)
    assert not TransitionLog.objects.filter(loan=loan).exists()


def test_an_unknown_decision_is_refused_and_changes_nothing(business_date):
    loan = applied_loan()
    before = snapshot(loan)

    with pytest.raises(DomainError, match="Unknown decision"):
        services.loan_decide(loan=loan, decision="maybe", reason="x")

    assert_unchanged(loan, before)


def test_the_robot_decides_only_an_applied_loan(business_date):
    loan = services.loan_score(loan=applied_loan())

    with pytest.raises(TransitionNotAllowed, match="'score' is not allowed from status"):
        services.loan_decide(loan=loan, decision="approve", reason="x")
