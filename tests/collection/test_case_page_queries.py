"""The case page and the team's figures cost a fixed number of queries, whatever the case's
history or the team's book holds."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collection import services
from collection.errors import ContactRefused
from collection.models import Channel, Outcome
from tests.collection.conftest import DUE, msk, overdue_loans

NOON = msk(2026, 12, 8, 12, 0)


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOON)


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def a_history(case, collector) -> None:
    """Contacts on every channel a collector logs, the refusal of a second call the same day,
    and two promises, one replacing the other."""
    yesterday = NOON - dt.timedelta(days=1)
    for channel in (Channel.CALL, Channel.ROBOT_CALL, Channel.EMAIL, Channel.INCOMING_CALL):
        services.contact_log(
            case=case, channel=channel, outcome=Outcome.NO_ANSWER, actor=collector, at=yesterday
        )
    services.contact_log(
        case=case, channel=Channel.CALL, outcome=Outcome.REFUSED, actor=collector, at=NOON
    )
    with pytest.raises(ContactRefused):
        services.contact_log(
            case=case, channel=Channel.CALL, outcome=Outcome.REFUSED, actor=collector, at=NOON
        )
    for days in (3, 5):
        services.promise_record(
            case=case,
            amount_kop=10_000 * days,
            promised_on=NOON.date() + dt.timedelta(days=days),
            actor=collector,
        )


def test_the_case_page_costs_the_same_queries_with_or_without_a_history(client, collector):
    quiet, busy = (
        services.case_open(debt=loan, on=DUE + dt.timedelta(days=2)) for loan in overdue_loans(2)
    )
    a_history(busy, collector)
    client.force_login(collector)

    assert queries(client, f"/collection/cases/{quiet.pk}/") == queries(
        client, f"/collection/cases/{busy.pk}/"
    )


def test_the_team_figures_cost_the_same_queries_for_two_cases_or_six(client, team_lead):
    loans = overdue_loans(6)
    for loan in loans[:2]:
        services.case_open(debt=loan, on=DUE + dt.timedelta(days=2))
    client.force_login(team_lead)
    few = queries(client, "/collection/team/")

    for loan in loans[2:]:
        case = services.case_open(debt=loan, on=DUE + dt.timedelta(days=2))
        a_history(case, team_lead)

    assert queries(client, "/collection/team/") == few
