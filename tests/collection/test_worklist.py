"""The collector's worklist: filters (stage, bucket, debt, promise, last contact, callable now
under 230-FZ), search, sorting, paging and its htmx partial, in a fixed number of queries; and
the next action that follows each case's strategy. At Tuesday 2026-12-08, 12:00 in Moscow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collection import services
from collection.models import (
    BanKind,
    CaseStage,
    Channel,
    CollectionCase,
    ContactAttempt,
    ContactBan,
    NextAction,
    Outcome,
    PromiseToPay,
    Strategy,
)
from collection.policy import contact_allowed, contacts_allowed
from loans.business_date import current_business_date
from tests.collection.conftest import DUE, msk, overdue_loans

NOON = msk(2026, 12, 8, 12, 0)
MOSCOW = "Europe/Moscow"


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON)


def open_cases(count: int = 0, *, loans=None) -> list[CollectionCase]:
    cases = [
        services.case_open(debt=loan, on=DUE + dt.timedelta(days=2))
        for loan in (loans or overdue_loans(count))
    ]
    # The debtors live in Moscow: noon there is within every channel's hours.
    for case in cases:
        case.borrower.time_zone = MOSCOW
        case.borrower.save(update_fields=["time_zone"])
    return [CollectionCase.objects.select_related("borrower").get(pk=c.pk) for c in cases]


@pytest.fixture
def cases(collector):
    return open_cases(3)


def listed(client, collector, **params) -> list[int]:
    client.force_login(collector)
    response = client.get("/collection/", params)
    assert response.status_code == 200
    return [row.pk for row in response.context["page"].object_list]


def test_the_worklist_lists_the_collectors_open_cases_by_priority(client, cases, collector):
    CollectionCase.objects.filter(pk=cases[1].pk).update(priority_kop=10**9)

    assert listed(client, collector)[0] == cases[1].pk


def test_the_worklist_filters_by_stage_and_bucket(client, cases, collector):
    CollectionCase.objects.filter(pk=cases[0].pk).update(stage=CaseStage.HARD, bucket="31-60")

    assert listed(client, collector, stage="hard") == [cases[0].pk]
    assert listed(client, collector, bucket="31-60") == [cases[0].pk]
    assert cases[0].pk not in listed(client, collector, stage="soft")


def test_the_worklist_finds_a_case_by_its_number_its_loan_or_the_phone(client, cases, collector):
    target = cases[2]

    assert target.pk in listed(client, collector, q=str(target.pk))
    assert target.pk in listed(client, collector, q=str(target.loan_id))
    assert listed(client, collector, q=target.borrower.phone) == [target.pk]
    assert listed(client, collector, q="Иванов") == []


def test_the_worklist_shows_promises_due_today(client, cases, collector):
    today = current_business_date()
    PromiseToPay.objects.create(
        case=cases[0], amount_kop=100, promised_on=today, made_on=today, actor=collector
    )

    assert listed(client, collector, promise="today") == [cases[0].pk]
    assert cases[0].pk not in listed(client, collector, promise="none")


def test_the_worklist_finds_debtors_not_contacted_for_days(client, cases, collector):
    ContactAttempt.objects.create(
        borrower=cases[0].borrower,
        case=cases[0],
        channel=Channel.CALL,
        at=NOON - dt.timedelta(hours=2),
        local_at="",
        outcome=Outcome.NO_ANSWER,
        actor_label="col1",
    )

    assert sorted(listed(client, collector, contact="never")) == [cases[1].pk, cases[2].pk]
    assert listed(client, collector, contact="today") == [cases[0].pk]
    assert cases[0].pk not in listed(client, collector, contact="3")


def test_the_worklist_keeps_to_the_debtors_who_may_be_called_now(client, cases, collector):
    ContactBan.objects.create(
        borrower=cases[0].borrower,
        kind=BanKind.HOSPITAL,
        valid_from=NOON.date(),
        valid_to=NOON.date() + dt.timedelta(days=3),
        document="справка",
    )
    services.contact_log(  # today's one call to this debtor is used up
        case=cases[1],
        channel=Channel.CALL,
        outcome=Outcome.REFUSED,
        actor=collector,
        at=NOON - dt.timedelta(hours=1),
    )

    assert listed(client, collector, callable="yes") == [cases[2].pk]
    assert sorted(listed(client, collector, callable="no")) == [cases[0].pk, cases[1].pk]


def test_the_batch_verdicts_are_those_asked_one_by_one(cases, collector):
    services.contact_log(
        case=cases[0], channel=Channel.CALL, outcome=Outcome.REFUSED, actor=collector, at=NOON
    )
    CollectionCase.objects.filter(pk=cases[1].pk).update(stage=CaseStage.LEGAL)
    fresh = list(
        CollectionCase.objects.select_related("borrower").filter(pk__in=[c.pk for c in cases])
    )

    for channel in (Channel.CALL, Channel.SMS, Channel.LETTER):
        batch = contacts_allowed(cases=fresh, channel=channel, at=NOON + dt.timedelta(minutes=5))
        for case in fresh:
            one = contact_allowed(
                case_or_borrower=case, channel=channel, at=NOON + dt.timedelta(minutes=5)
            )
            assert batch[case.pk] == one, (channel, case.pk)
    assert not batch_call_allowed(fresh, cases[0].pk)


def batch_call_allowed(cases, pk) -> bool:
    return contacts_allowed(cases=cases, channel=Channel.CALL, at=NOON)[pk].allowed


def test_the_worklist_sorts_by_days_past_due(client, cases, collector):
    for days, case in zip((5, 40, 12), cases, strict=True):
        CollectionCase.objects.filter(pk=case.pk).update(days_past_due=days)

    assert listed(client, collector, sort="-dpd") == [cases[1].pk, cases[2].pk, cases[0].pk]
    assert listed(client, collector, sort="dpd") == [cases[0].pk, cases[2].pk, cases[1].pk]


def test_the_worklist_pages(client, cases, collector, settings):
    settings.COLLECTION_WORKLIST_PAGE_SIZE = 2

    first, second = listed(client, collector), listed(client, collector, page=2)

    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


def test_the_worklist_answers_its_htmx_partial_with_the_table_only(client, cases, collector):
    client.force_login(collector)
    response = client.get(
        "/collection/",
        {"stage": "soft"},
        headers={"HX-Request": "true", "HX-Target": "cases-table"},
    )

    body = response.content.decode()
    assert response.status_code == 200 and 'id="cases"' in body and "<html" not in body


@pytest.mark.parametrize(
    "params",
    [{"stage": "closed"}, {"bucket": "x"}, {"sort": "password"}, {"q": "1" * 41}, {"page": "abc"}],
)
def test_bad_worklist_input_is_refused_plainly(client, cases, collector, params):
    client.force_login(collector)
    response = client.get("/collection/", params)

    assert response.status_code == 200
    if "page" not in params:
        assert response.context["filter"].errors and not response.context["page"].object_list


def test_the_worklist_costs_the_same_queries_for_three_cases_or_nine(client, collector):
    loans = overdue_loans(9)
    open_cases(loans=loans[:3])
    client.force_login(collector)
    with CaptureQueriesContext(connection) as few:
        client.get("/collection/", {"callable": "yes"})
    open_cases(loans=loans[3:])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/collection/", {"callable": "yes"})

    assert len(response.context["page"].object_list) == 9
    assert len(few) == len(many) == 20


def test_the_next_action_follows_the_cases_strategy(collector):
    case = open_cases(1)[0]

    assert (case.strategy, case.next_action) == (Strategy.REMIND, NextAction.MESSAGE)
    CollectionCase.objects.filter(pk=case.pk).update(strategy=Strategy.NEGOTIATE)
    with_new_strategy = services.case_restrategize(case=case)
    assert with_new_strategy.next_action == NextAction.MESSAGE
