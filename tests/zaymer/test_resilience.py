"""Resilience drills on 127.0.0.1: a close-of-business killed midway loses and doubles nothing."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from django.conf import settings

BUILD = """
import datetime as dt, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "zaymer.settings"
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from loans.business_date import set_business_date
from tests.factories import live_loan
set_business_date(on=dt.date(2026, 11, 2))
for n in range(LOANS):
    live_loan(amount_kop=300_000 + n * 1_000, term_days=5 + n % 25)
"""
LOANS = 150
UNTIL = "2026-12-31"
LATER = "2027-01-20"
STATE = (
    "SELECT id, status, principal_out_kop, interest_out_kop, penalty_out_kop,"
    " days_past_due, accrued_through FROM loans_loan ORDER BY id"
)
BOOK = "SELECT COUNT(*), SUM(amount_kop), SUM(ABS(amount_kop)) FROM loans_journalline"
TRIAL_BALANCES = (
    "SELECT business_date, account, loan_id, credit_line_id, balance_kop FROM loans_trialbalance"
    " ORDER BY business_date, account, loan_id, credit_line_id"
)


def run(database: str, *args: str, wait: bool = True):
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}
    command = [sys.executable, *args]
    process = subprocess.Popen(  # noqa: S603 - this project's scripts with fixed arguments
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    if wait:
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()[-2000:]
    return process


def snapshot(database: str) -> tuple[list, tuple, list]:
    with sqlite3.connect(database) as connection:
        return (
            connection.execute(STATE).fetchall(),
            connection.execute(BOOK).fetchone(),
            connection.execute(TRIAL_BALANCES).fetchall(),
        )


def closed_days(database: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT COUNT(*) FROM loans_cobrun").fetchone()[0]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_cob_and_two_schedulers_at_once_equal_one_uninterrupted_run(tmp_path):
    drilled, reference = str(tmp_path / "drill.sqlite3"), str(tmp_path / "reference.sqlite3")
    run(drilled, "-c", BUILD.replace("LOANS", str(LOANS)))
    shutil.copy(drilled, reference)

    run(reference, "manage.py", "cob", "--until", UNTIL)

    victim = run(drilled, "manage.py", "cob", "--until", UNTIL, wait=False)
    deadline = time.monotonic() + 60
    while closed_days(drilled) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    interrupted_at = closed_days(drilled)
    assert 0 < interrupted_at < closed_days(reference), "the kill must land midway"

    run(drilled, "manage.py", "cob", "--until", UNTIL)
    assert snapshot(drilled) == snapshot(reference)
    run(drilled, "manage.py", "ledger_check")
    run(drilled, "manage.py", "ledger_check", "--daily")

    # Two schedulers at once: each business date is still closed once.
    run(reference, "manage.py", "cob", "--until", LATER)
    twins = [run(drilled, "manage.py", "cob", "--until", LATER, wait=False) for _ in range(2)]
    for twin in twins:
        _out, err = twin.communicate(timeout=300)
        assert twin.returncode == 0, err.decode()[-2000:]
    assert closed_days(drilled) == closed_days(reference)
    assert snapshot(drilled) == snapshot(reference)
    run(drilled, "manage.py", "ledger_check")
    run(drilled, "manage.py", "ledger_check", "--daily")
