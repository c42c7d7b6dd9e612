"""Assignment of a debt (цессия): an overdue loan sold to a buyer at an agreed price leaves the
book (the price due from the buyer, the rest of the debt an expense), is logged with its actor,
and is reported to every bureau with the buyer (218-FZ).

The payday loan of `test_servicing_actions`: 10 000 ₽ at 0.8 % a day issued on 2 November
2026, due 2 December, unpaid; on 6 December it owes 10 000 ₽ + 33 days of interest + 3 days of
penalty.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from loans import services
from loans.cob import run_cob_until
from loans.errors import DomainError, InvalidAmount, TransitionNotAllowed
from loans.models import Account, BureauEvent, DebtAssignment, LoanStatus, TransitionLog
from tests.loans.helpers import balance, fresh, issued
from tests.loans.test_servicing_actions import assert_unchanged, overdue_pdl, snapshot

DEBT = 1_000_000 + 33 * 8_000 + 3 * 547  # accrued by COB through 2026-12-05
PRICE = 150_000


@pytest.fixture
def anna(db):
    return get_user_model().objects.create_user(username="anna", password="not-used-here")


def assign(loan, **kwargs):
    terms = {
        "assignee": "ООО «Коллекторское агентство»",
        "assignee_inn": "7701234567",
        "agreement": "Ц-2026/12-1",
        "price_kop": PRICE,
    }
    return services.loan_assign(loan=loan, **{**terms, **kwargs})


def test_the_debt_leaves_the_book_at_the_price_and_the_rest_is_an_expense(business_date):
    loan = overdue_pdl(business_date)

    assign(loan)

    loan = fresh(loan)
    assert (loan.status, loan.debt_kop, loan.closed_on) == (
        LoanStatus.WRITTEN_OFF,
        0,
        dt.date(2026, 12, 6),
    )
    assert balance(Account.ASSIGNMENT_RECEIVABLE) == PRICE
    assert balance(Account.WRITE_OFF_EXPENSE) == DEBT - PRICE
    for account in (Account.LOAN_PRINCIPAL, Account.LOAN_INTEREST, Account.LOAN_PENALTY):
        assert balance(account, loan=loan) == 0


def test_the_deal_is_kept_with_the_buyer_the_price_and_the_debt_it_bought(business_date, anna):
    loan = overdue_pdl(business_date)

    assign(loan, actor=anna)

    deal = DebtAssignment.objects.get(loan=loan)
    assert (deal.assignee_inn, deal.agreement, deal.price_kop, deal.debt_kop) == (
        "7701234567",
        "Ц-2026/12-1",
        PRICE,
        DEBT,
    )
    assert (deal.actor_label, deal.entry.kind) == ("anna", "assignment")


def test_the_assign_transition_is_logged_with_its_actor(business_date, anna):
    loan = overdue_pdl(business_date)

    assign(loan, actor=anna)

    log = TransitionLog.objects.get(loan=loan, transition="assign")
    assert (log.source, log.target, log.actor_label) == ("overdue", "written_off", "anna")
    assert "Ц-2026/12-1" in log.reason


def test_the_assignment_is_reported_to_every_bureau_with_the_buyer(business_date):
    loan = overdue_pdl(business_date)

    assign(loan)

    event = BureauEvent.objects.get(loan=loan, kind="assigned")
    assert not BureauEvent.objects.filter(loan=loan, kind="written_off").exists()
    assert event.credit_uid == fresh(loan).credit_uid != ""
    assert (event.payload["assignee_inn"], event.payload["assigned_kop"]) == ("7701234567", DEBT)
    assert event.submissions.count() == 3


def test_a_serviced_loan_cannot_be_assigned_and_nothing_changes(business_date):
    loan = issued(on=business_date)
    before = snapshot(loan)

    with pytest.raises(TransitionNotAllowed):
        assign(loan)

    assert_unchanged(loan, before)
    assert not DebtAssignment.objects.exists()


def test_a_price_above_the_debt_is_refused_and_nothing_changes(business_date):
    loan = overdue_pdl(business_date)
    before = snapshot(loan)

    with pytest.raises(InvalidAmount, match="above the debt"):
        assign(loan, price_kop=DEBT + 1)

    assert_unchanged(loan, before)


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_kop", 0), ("assignee", " "), ("assignee_inn", "77012345"), ("agreement", "")],
)
def test_an_assignment_without_its_terms_is_refused(business_date, field, value):
    loan = overdue_pdl(business_date)
    before = snapshot(loan)

    with pytest.raises(DomainError) as refused:
        assign(loan, **{field: value})

    assert refused.value.field == field
    assert_unchanged(loan, before)


def test_an_assigned_loan_accrues_nothing_more(business_date):
    loan = overdue_pdl(business_date)
    assign(loan)
    before = snapshot(loan)

    run_cob_until(until=dt.date(2026, 12, 31))

    assert_unchanged(loan, before)
