"""`manage.py ledger_check --daily` proves one closed day against the trial balance COB stored
the day before (loans.trial_balance), without reading the whole journal."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Sum
from django.utils import translation

from loans.cob import run_cob_until
from loans.models import JournalLine, Loan, TrialBalance
from loans.trial_balance import store_trial_balance
from tests.factories import IlProductFactory
from tests.loans.helpers import issued, manage, open_day, repay

LAST_NIGHT = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def closed_days(business_date):
    """A serviced PDL, an IL overdue since 2026-11-16 and a PDL repaid early, with the nights
    up to LAST_NIGHT closed (each storing its trial balance)."""
    serviced = issued(on=business_date)
    overdue = issued(on=business_date, product=IlProductFactory(), term_days=56)
    repaid = issued(on=business_date)
    open_day(dt.date(2026, 11, 12))
    repay(repaid, 1_100_000)
    run_cob_until(until=LAST_NIGHT)
    return serviced, overdue, repaid


def _balances(on: dt.date) -> set[tuple]:
    return set(
        TrialBalance.objects.filter(business_date=on).values_list(
            "account", "loan_id", "credit_line_id", "balance_kop"
        )
    )


def test_a_clean_day_passes_the_daily_proof(closed_days, capsys):
    call_command("ledger_check", "--daily")

    out = capsys.readouterr().out
    assert out.startswith("daily ledger ok: the ")
    assert "entries of 2026-11-20 balance and move the trial balance of 2026-11-19" in out


def test_an_earlier_day_is_proved_with_date(closed_days, capsys):
    call_command("ledger_check", "--daily", "--date", "2026-11-19")

    assert "entries of 2026-11-19 balance" in capsys.readouterr().out


def test_the_nights_trial_balance_equals_the_whole_journal_per_account_and_owner(closed_days):
    whole = {
        (row["account"], row["loan_id"] or 0, row["credit_line_id"] or 0, row["total"])
        for row in JournalLine.objects.filter(entry__business_date__lte=LAST_NIGHT)
        .values("account", "loan_id", "credit_line_id")
        .annotate(total=Sum("amount_kop"))
        if row["total"]
    }

    assert _balances(LAST_NIGHT) == whole


def test_a_line_of_the_day_changed_after_the_night_fails_naming_its_account_and_loan(closed_days):
    _, overdue, _ = closed_days
    JournalLine.objects.filter(
        loan=overdue, account="loan_interest", entry__business_date=LAST_NIGHT
    ).update(amount_kop=F("amount_kop") + 1)

    with pytest.raises(CommandError) as failure:
        call_command("ledger_check", "--daily")

    assert (
        f"loan_interest of loan {overdue.pk}: the day before's balance and the day's lines"
        " differ by 1 kop from the trial balance stored for the day"
    ) in str(failure.value)
    assert f"unbalanced entry of the day: accrual:{overdue.pk}:2026-11-20" in str(failure.value)


def test_a_cached_balance_that_left_the_ledger_fails_naming_the_loan(closed_days):
    serviced, _, _ = closed_days
    Loan.objects.filter(pk=serviced.pk).update(interest_out_kop=F("interest_out_kop") + 7)

    with pytest.raises(
        CommandError,
        match=rf"^loan_interest of loan {serviced.pk}: the cached balance differs by 7 kop",
    ):
        call_command("ledger_check", "--daily")


def test_a_day_without_the_day_befores_trial_balance_says_so_and_runs_the_full_proof(
    closed_days, capsys
):
    TrialBalance.objects.filter(business_date=dt.date(2026, 11, 19)).delete()

    call_command("ledger_check", "--daily")

    out = capsys.readouterr().out
    assert out.startswith(
        "no trial balance is stored for 2026-11-19, so 2026-11-20 cannot be proved from it:"
        " running the full proof instead\nledger ok: "
    )


def test_storing_a_days_trial_balance_again_gives_the_same_rows(closed_days):
    stored = _balances(LAST_NIGHT)

    store_trial_balance(on=LAST_NIGHT)

    assert _balances(LAST_NIGHT) == stored


def test_the_night_keeps_the_trial_balances_of_the_last_three_days(closed_days):
    kept = set(TrialBalance.objects.values_list("business_date", flat=True))

    assert kept == {dt.date(2026, 11, 18), dt.date(2026, 11, 19), LAST_NIGHT}


def test_the_daily_check_exits_non_zero_from_the_command_line(closed_days, capsys):
    serviced, _, _ = closed_days
    Loan.objects.filter(pk=serviced.pk).update(principal_out_kop=0)

    assert manage("ledger_check", "--daily") != 0

    assert f"loan_principal of loan {serviced.pk}: the cached balance" in capsys.readouterr().err


def test_a_clean_day_exits_zero_from_the_command_line(closed_days):
    assert manage("ledger_check", "--daily", "--date", "2026-11-20") == 0
