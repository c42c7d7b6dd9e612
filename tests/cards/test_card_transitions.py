"""The card's status is an FSM: open, freeze, unfreeze and close are its only doors, and each
one writes a row of the card's transition log naming who went through it."""

import datetime as dt

import pytest
from django.db import transaction
from django_fsm import ConcurrentTransition

from cards import services as card_services
from cards.models import CreditLine, CreditLineStatus, CreditLineTransition, DrawKind
from loans.errors import TransitionNotAllowed
from tests.factories import BorrowerFactory
from tests.loans.helpers import open_day

S = CreditLineStatus


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="card-staff")


@pytest.fixture
def line(business_date, staff):
    return card_services.credit_line_open(
        borrower=BorrowerFactory(), limit_kop=3_000_000, daily_rate_ppm=8_000, actor=staff
    )


def log(line: CreditLine) -> list[tuple]:
    return list(
        CreditLineTransition.objects.filter(credit_line=line)
        .order_by("pk")
        .values_list("transition", "source", "target", "actor_label")
    )


def last(line: CreditLine) -> CreditLineTransition:
    return CreditLineTransition.objects.filter(credit_line=line).latest("pk")


def buy(line: CreditLine, amount_kop: int, key: str) -> None:
    card_services.credit_line_draw(
        credit_line=line,
        kind=DrawKind.PURCHASE,
        amount_kop=amount_kop,
        idempotency_key=key,
        merchant="Магазин",
    )


def test_opening_a_card_logs_the_open_transition_with_the_actor(line, staff):
    assert line.status == S.OPEN
    assert log(line) == [("open", "", "open", "card-staff")]
    assert last(line).actor == staff
    assert last(line).business_date == line.opened_on


def test_a_staff_freeze_logs_the_transition_with_the_actor(line, staff):
    card_services.credit_line_freeze(credit_line=line, actor=staff)

    assert last(line).actor == staff
    assert log(line)[-1] == ("freeze", "open", "frozen", "card-staff")


def test_a_staff_unfreeze_logs_the_transition_with_the_actor(line, staff):
    card_services.credit_line_freeze(credit_line=line, actor=staff)

    card_services.credit_line_unfreeze(credit_line=line, actor=staff)

    assert last(line).actor == staff
    assert log(line)[-1] == ("unfreeze", "frozen", "open", "card-staff")


def test_a_staff_close_logs_the_transition_with_the_actor(line, staff):
    card_services.credit_line_close(credit_line=line, actor=staff)

    assert CreditLine.objects.get(pk=line.pk).status == S.CLOSED
    assert last(line).actor == staff
    assert log(line)[-1] == ("close", "open", "closed", "card-staff")


def test_a_transition_without_an_actor_is_logged_as_the_system(line):
    card_services.credit_line_freeze(credit_line=line)

    assert last(line).actor is None
    assert last(line).actor_label == "system"


def test_freezing_a_frozen_card_is_refused_and_logs_nothing(line, staff):
    card_services.credit_line_freeze(credit_line=line, actor=staff)
    before = log(line)

    with pytest.raises(TransitionNotAllowed, match="Only an open line can be frozen"):
        card_services.credit_line_freeze(credit_line=line, actor=staff)

    assert log(line) == before


def test_unfreezing_an_open_card_is_refused(line, staff):
    with pytest.raises(TransitionNotAllowed, match="Only a frozen line can be unfrozen"):
        card_services.credit_line_unfreeze(credit_line=line, actor=staff)


def test_freezing_a_closed_card_is_refused(line, staff):
    card_services.credit_line_close(credit_line=line, actor=staff)

    with pytest.raises(TransitionNotAllowed):
        card_services.credit_line_freeze(credit_line=line, actor=staff)


def test_the_status_is_not_set_by_hand(line):
    with pytest.raises(AttributeError):
        line.status = S.CLOSED


def test_a_concurrent_transition_is_refused(line):
    first = CreditLine.objects.get(pk=line.pk)
    second = CreditLine.objects.get(pk=line.pk)
    first.freeze()
    first.save()

    second.close()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        second.save()

    assert CreditLine.objects.get(pk=line.pk).status == S.FROZEN


def test_the_freeze_for_a_missed_payment_is_logged_by_the_robot(line):
    buy(line, 1_000_000, "t-missed")
    open_day(dt.date(2026, 12, 3))  # the statement
    open_day(dt.date(2026, 12, 23))  # COB closed its due date unpaid

    assert log(line)[-1] == ("freeze", "open", "frozen", "system")
    assert last(line).reason == "A minimum payment was missed"
    assert last(line).business_date == dt.date(2026, 12, 22)


def test_paying_the_arrears_logs_the_unfreeze(line):
    buy(line, 1_000_000, "t-arrears")
    open_day(dt.date(2026, 12, 3))
    open_day(dt.date(2026, 12, 23))
    overdue = CreditLine.objects.get(pk=line.pk).overdue_kop

    card_services.credit_line_repay(
        credit_line=line, amount_kop=overdue, provider="sbx", event_id="arrears"
    )

    assert log(line)[-1] == ("unfreeze", "frozen", "open", "system")
    assert last(line).reason == "The arrears were paid"
