"""`manage.py ledger_check` proves the book and names what is wrong."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from loans.cob import run_cob_until
from loans.ledger import loans_out_of_balance, unbalanced_entry_keys
from loans.models import JournalEntry, JournalLine, Loan, PayoutOrder, PayoutStatus
from tests.factories import IlProductFactory, live_loan
from tests.loans.helpers import issued, manage, open_day, repay


@pytest.fixture
def book_of_three(business_date):
    """A serviced PDL, an IL overdue since 2026-11-16 and a PDL repaid with an overpayment."""
    serviced = issued(on=business_date)
    overdue = issued(on=business_date, product=IlProductFactory(), term_days=56)
    repaid = issued(on=business_date)
    open_day(dt.date(2026, 11, 12))
    repay(repaid, 1_100_000)
    run_cob_until(until=dt.date(2026, 11, 20))
    assert Loan.objects.get(pk=overdue.pk).penalty_out_kop > 0
    return serviced, overdue, repaid


def test_ledger_check_passes_on_a_healthy_book(book_of_three, capsys):
    call_command("ledger_check")

    entries, loans = JournalEntry.objects.count(), Loan.objects.count()
    assert capsys.readouterr().out.strip() == (
        f"ledger ok: {entries} entries balance, {loans} loans match their accounts"
    )
    assert entries > 40


@pytest.mark.parametrize(
    "field",
    ["principal_out_kop", "interest_out_kop", "penalty_out_kop", "fees_out_kop", "overpayment_kop"],
)
def test_a_tampered_cached_balance_fails_the_check_naming_the_loan(book_of_three, field):
    _, overdue, _ = book_of_three
    Loan.objects.filter(pk=overdue.pk).update(**{field: F(field) + 1})

    with pytest.raises(CommandError, match=rf"balances differ from the ledger: {overdue.pk}$"):
        call_command("ledger_check")


def test_the_check_exits_non_zero_from_the_command_line(book_of_three, capsys):
    serviced, _, _ = book_of_three
    Loan.objects.filter(pk=serviced.pk).update(interest_out_kop=0)

    assert manage("ledger_check") != 0

    assert f"loans whose balances differ from the ledger: {serviced.pk}" in capsys.readouterr().err


def test_an_unbalanced_entry_fails_the_check_naming_the_entry_and_its_loan(book_of_three):
    _, il, _ = book_of_three
    entry = JournalEntry.objects.get(key=f"accrual:{il.pk}:2026-11-20")
    # The company side only: the loan's own accounts still match its cached balances.
    JournalLine.objects.filter(entry=entry, account="interest_income").update(
        amount_kop=F("amount_kop") - 1
    )
    assert loans_out_of_balance() == []

    with pytest.raises(CommandError) as failed:
        call_command("ledger_check")

    assert f"unbalanced entries: accrual:{il.pk}:2026-11-20 (loan {il.pk})" in str(failed.value)


def test_an_entry_without_lines_is_unbalanced(book_of_three):
    JournalEntry.objects.create(key="empty", kind="manual", business_date=dt.date(2026, 12, 1))

    assert unbalanced_entry_keys() == ["empty"]
    with pytest.raises(CommandError, match="unbalanced entries: empty"):
        call_command("ledger_check")


def test_a_line_moved_to_another_loan_fails_the_check_for_both(book_of_three):
    serviced, overdue, _ = book_of_three
    line = JournalLine.objects.filter(loan=serviced, account="loan_interest").first()
    JournalLine.objects.filter(pk=line.pk).update(loan=overdue)

    assert loans_out_of_balance() == sorted([serviced.pk, overdue.pk])
    with pytest.raises(CommandError, match="balances differ from the ledger"):
        call_command("ledger_check")


def test_money_in_transit_explained_by_a_payout_awaiting_the_gateway_passes(book_of_three):
    live_loan()  # paid out; the gateway's answer is not in yet

    call_command("ledger_check")


def test_a_payout_settled_without_its_ledger_entry_fails_the_check(book_of_three):
    loan = live_loan()
    order = PayoutOrder.objects.get(loan=loan)
    PayoutOrder.objects.filter(pk=order.pk).update(status=PayoutStatus.SUCCEEDED)

    with pytest.raises(CommandError, match=rf"payouts in transit differ by {order.amount_kop} kop"):
        call_command("ledger_check")
