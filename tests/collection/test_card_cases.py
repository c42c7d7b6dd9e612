"""An overdue card is a debt like an overdue loan: the night opens its collection case, keeps
its figures, closes it when the arrears are paid; contacts, promises and the legal hand-over
work on it through the same services; a restructuring, which is for loans, is refused.

The card of `tests/cards/test_card_penalties`: 10 000 ₽ bought on 2 November 2026, the minimum
of 2 900 ₽ due on 22 December missed (2 400 ₽ of interest, 500 ₽ of principal).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import include, path

from collection import services
from collection.cob import run_collection_day
from collection.errors import CaseRefused, ContactRefused
from collection.models import (
    CaseStage,
    Channel,
    ClosingReason,
    CollectionCase,
    Outcome,
    PromiseStatus,
    Strategy,
)
from collection.selectors import claim_package
from loans.business_date import current_business_date
from loans.models import RestructuringRequest
from tests.cards.test_card_penalties import DRAW, DUE, MINIMUM, PENALTY
from tests.cards.test_credit_lines import buy, fresh, open_line, pay
from tests.collection.conftest import msk
from tests.loans.helpers import issued, open_day
from zaymer import urls as project_urls

pytestmark = pytest.mark.django_db

urlpatterns = [
    *project_urls.urlpatterns,
    path("collection/", include("collection.urls")),
]

INTEREST = 30 * 8_000  # the statement's interest, all of it overdue


def night(day: dt.date) -> None:
    """Close every day before `day`, then the collection of the last one closed."""
    open_day(day)
    run_collection_day(on=day - dt.timedelta(days=1), at=msk(2026, 12, 30, 1))


@pytest.fixture
def line(business_date):
    line = open_line()
    buy(line, DRAW)
    return line


@pytest.fixture
def card_case(line, collector) -> CollectionCase:
    night(DUE + dt.timedelta(days=1))
    return CollectionCase.objects.get(credit_line=line)


def test_the_night_opens_a_case_for_a_card_whose_minimum_was_missed(card_case, line, collector):
    assert (card_case.stage, card_case.bucket, card_case.collector) == (
        CaseStage.SOFT,
        "1-30",
        collector,
    )
    assert (card_case.loan, card_case.borrower_id) == (None, line.borrower_id)
    assert (card_case.days_past_due, card_case.opened_on) == (1, DUE)


def test_the_cards_case_copies_its_arrears_interest_first(card_case, line):
    # The interest outstanding on the due date (2 400 ₽ + 20 days × 80 ₽) covers the arrears.
    assert fresh(line).interest_out_kop == INTEREST + 20 * 8_000
    assert (card_case.overdue_interest_kop, card_case.overdue_principal_kop) == (MINIMUM, 0)
    assert (card_case.fees_kop, card_case.debt_kop) == (0, fresh(line).debt_kop)


def test_a_card_paying_on_time_gets_no_case(line, collector):
    open_day(DUE)
    pay(line, MINIMUM)
    night(DUE + dt.timedelta(days=1))

    assert not CollectionCase.objects.exists()


def test_the_cards_case_follows_its_days_past_due_and_penalty(card_case, line):
    night(DUE + dt.timedelta(days=5))

    case = CollectionCase.objects.get(pk=card_case.pk)
    assert case.days_past_due == fresh(line).days_past_due == 5
    assert case.penalty_kop == 4 * PENALTY
    assert case.debt_kop == fresh(line).debt_kop


def test_a_card_past_thirty_days_turns_hard(card_case):
    night(DUE + dt.timedelta(days=32))

    case = CollectionCase.objects.get(pk=card_case.pk)
    assert (case.stage, case.bucket) == (CaseStage.HARD, "31-60")


def test_paying_the_arrears_cures_the_cards_case(card_case, line):
    pay(fresh(line), MINIMUM)
    night(DUE + dt.timedelta(days=2))

    case = CollectionCase.objects.get(pk=card_case.pk)
    assert (case.stage, case.closing_reason, case.closed_on) == (
        CaseStage.CLOSED,
        ClosingReason.CURED,
        DUE + dt.timedelta(days=1),
    )
    assert (case.days_past_due, case.overdue_interest_kop, case.overdue_principal_kop) == (0, 0, 0)


def test_a_payment_short_of_the_arrears_keeps_the_case_open(card_case, line):
    pay(fresh(line), MINIMUM - 100)
    night(DUE + dt.timedelta(days=2))

    case = CollectionCase.objects.get(pk=card_case.pk)
    assert case.is_open and case.overdue_interest_kop + case.overdue_principal_kop == 100


def test_a_promise_on_a_card_is_kept_by_a_card_payment(card_case, line, collector):
    today = current_business_date()
    promise = services.promise_record(
        case=card_case,
        amount_kop=MINIMUM,
        promised_on=today + dt.timedelta(days=2),
        actor=collector,
    )
    pay(fresh(line), MINIMUM)
    night(today + dt.timedelta(days=1))

    promise.refresh_from_db()
    assert (promise.status, promise.paid_kop) == (PromiseStatus.KEPT, MINIMUM)


def test_a_promise_above_the_cards_debt_is_refused(card_case, line, collector):
    with pytest.raises(CaseRefused) as refused:
        services.promise_record(
            case=card_case,
            amount_kop=fresh(line).debt_kop + 1,
            promised_on=current_business_date(),
            actor=collector,
        )

    assert refused.value.code == "promise_above_debt"
    assert not card_case.promises.exists()


def test_a_cards_debt_cannot_be_restructured(card_case, collector):
    with pytest.raises(CaseRefused) as refused:
        services.restructuring_offer(case=card_case, periods=3, period_days=30, actor=collector)

    assert refused.value.code == "not_restructurable"
    assert not RestructuringRequest.objects.exists()
    assert not card_case.contacts.exists()


def test_the_card_debtors_contacts_follow_the_same_rules(card_case, collector):
    # Sunday 27 December 2026, 07:00 where the debtor lives: before the weekend hours
    sunday_early = dt.datetime(2026, 12, 27, 7, tzinfo=ZoneInfo(card_case.borrower.time_zone))
    with pytest.raises(ContactRefused) as refused:
        services.contact_log(
            case=card_case,
            channel=Channel.CALL,
            outcome=Outcome.NO_ANSWER,
            actor=collector,
            at=sunday_early,
        )

    assert refused.value.code == "quiet_hours"
    assert not card_case.contacts.exists()


def test_a_debtor_with_a_loan_and_a_card_keeps_one_collector(line, collector, other_collector):
    issued(on=dt.date(2026, 11, 2), borrower=line.borrower)  # due 2 December, unpaid
    night(DUE + dt.timedelta(days=1))

    cases = CollectionCase.objects.filter(borrower=line.borrower)
    assert cases.count() == 2 and {case.collector for case in cases} == {collector}


def test_a_case_is_for_a_loan_or_a_card_never_both(card_case):
    loan = issued(on=dt.date(2026, 11, 2))

    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionCase.objects.create(
            borrower=card_case.borrower,
            loan=loan,
            credit_line=card_case.credit_line,
            opened_on=DUE,
            strategy=Strategy.REMIND,
            recovery_probability=0.5,
            priority_kop=0,
            strategy_reason="x",
        )


def test_a_card_past_ninety_days_goes_to_legal_with_its_statements(card_case, team_lead):
    night(DUE + dt.timedelta(days=92))
    case = services.case_hand_over_to_legal(case=card_case, actor=team_lead)

    package = claim_package(case=case, on=current_business_date())
    assert case.stage == CaseStage.LEGAL
    assert package.loan is None and package.statements[0].minimum_payment_kop == MINIMUM
    assert package.debt_total_kop == fresh(case.credit_line).debt_kop


@pytest.mark.urls(__name__)
def test_a_cards_claim_page_shows_the_card_and_refuses_the_loan_documents(card_case, team_lead):
    night(DUE + dt.timedelta(days=92))
    services.case_hand_over_to_legal(case=card_case, actor=team_lead)
    client = Client()
    client.force_login(team_lead)
    url = f"/collection/cases/{card_case.pk}/claim/"

    page = client.get(url)
    pdf = client.get(url + "?format=pdf")

    assert page.status_code == 200
    assert "договору кредитной карты" in page.content.decode()
    assert pdf.status_code == 409
