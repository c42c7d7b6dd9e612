"""The bench's days: what happens to the book before each night (repayments due that day, new
loans signed), the COB night itself, and the checks of what it left, day after day."""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from benchdb import Sql
from cob_book import DELTA_FIELDS, sign_new_loans
from cob_plan import BENCH_DATE, STATE_FIELDS
from cob_schema import reset_sequences

LIVE_WHERE = "status IN ('serviced', 'overdue')"


@dataclass
class Night:
    day: int
    on: date
    seconds: float
    steps: dict
    repaid: int
    closed: int
    signed: int
    live: int
    entries: int
    lines: int
    journal_mib: float | None
    wrong_states: int
    wrong_rows: list

    @property
    def rows(self) -> int:
        return sum(step["rows"] for step in self.steps.values())


def apply_repayments(cursor, sql: Sql, *, day: int, on: date) -> tuple[int, int]:
    """The day's repayments as services.loan_repay leaves them: each loan takes the state its
    life had after paying, with an accrual entry for today (when there was one to make) and
    a repayment entry moving exactly what the payment moved. Returns (repaid, closed)."""
    from django.db import connection

    cursor.execute("DROP TABLE IF EXISTS bench_paid")
    cursor.execute(
        "CREATE TABLE bench_paid AS SELECT ROW_NUMBER() OVER (ORDER BY b.loan_id) AS k,"
        f" b.loan_id, s.closes, {', '.join(f's.{name}' for name in DELTA_FIELDS)}"
        " FROM bench_loan b JOIN bench_state s ON s.combo_id = b.combo_id"
        f" WHERE s.paid = 1 AND s.day = {int(day)}",
    )
    cursor.execute("SELECT COUNT(*), COALESCE(SUM(closes), 0) FROM bench_paid")
    repaid, closed = cursor.fetchone()
    if not repaid:
        return 0, 0
    assigned = ", ".join(f"{name} = s.e_{name}" for name in STATE_FIELDS)
    cursor.execute(
        f"UPDATE loans_loan SET {assigned},"
        f" closed_on = CASE WHEN s.closes = 1 THEN {sql.date()} ELSE closed_on END"
        " FROM bench_loan b JOIN bench_state s ON s.combo_id = b.combo_id AND s.day = %s"
        " WHERE b.loan_id = loans_loan.id AND s.paid = 1",
        [on, day],
    )
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM loans_journalentry")
    base = cursor.fetchone()[0]
    now = connection.ops.adapt_datetimefield_value(datetime.now(tz=UTC))
    d = sql.date()
    loan = sql.text("loan_id")
    entries = [
        # id, key, kind, which loans
        (
            f"{base} + 2 * k - 1",
            f"'accrual:' || {loan} || ':' || %s",
            "accrual",
            "d_acc_i + d_acc_p > 0",
        ),
        (f"{base} + 2 * k", f"'bench-payment:' || {loan} || ':' || %s", "repayment", "1 = 1"),
    ]
    for entry_id, key, kind, which in entries:
        cursor.execute(
            "INSERT INTO loans_journalentry (id, key, kind, loan_id, business_date, created_at,"
            f" memo) SELECT {entry_id}, {key}, '{kind}', loan_id, {d}, %s, ''"
            f" FROM bench_paid WHERE {which}",
            [on.isoformat(), on, now],
        )
    lines = [
        ("- 1", "loan_interest", True, "d_acc_i"),
        ("- 1", "interest_income", False, "-d_acc_i"),
        ("- 1", "loan_penalty", True, "d_acc_p"),
        ("- 1", "penalty_income", False, "-d_acc_p"),
        ("", "cash", False, "d_pay_cash"),
        ("", "loan_interest", True, "-d_pay_i"),
        ("", "loan_principal", True, "-d_pay_p"),
        ("", "loan_penalty", True, "-d_pay_n"),
        ("", "borrower_overpayment", True, "-d_pay_ov"),
    ]
    union = " UNION ALL ".join(
        f"SELECT {base} + 2 * k {off} AS entry_id,"
        f" {'loan_id' if per_loan else 'CAST(NULL AS BIGINT)'} AS loan_id,"
        f" '{account}' AS account, {amount} AS amount_kop FROM bench_paid WHERE {amount} <> 0"
        for off, account, per_loan, amount in lines
    )
    cursor.execute(
        "INSERT INTO loans_journalline (entry_id, loan_id, account, amount_kop)"
        f" SELECT entry_id, loan_id, account, amount_kop FROM ({union}) l"
    )
    cursor.execute("DROP TABLE bench_paid")
    return repaid, closed


def expected_steps(cursor, day: int) -> tuple[int, int]:
    """(loans COB must accrue, loans it must mark overdue) on bench day `day`."""
    cursor.execute(
        "SELECT COALESCE(SUM(s.accrues), 0), COALESCE(SUM(s.marks_overdue), 0) FROM bench_loan b"
        " JOIN bench_state s ON s.combo_id = b.combo_id AND s.day = %s",
        [day],
    )
    return tuple(cursor.fetchone())


def check_states(cursor, sql: Sql, day: int) -> int:
    """Loans whose state after the night differs from the per-loan rules (loans.servicing)."""
    pairs = [(f"l.{name}", f"s.a_{name}") for name in STATE_FIELDS]
    differs = " OR ".join(f"NOT ({sql.same(a, b)})" for a, b in pairs)
    cursor.execute(
        "SELECT COUNT(*) FROM loans_loan l JOIN bench_loan b ON b.loan_id = l.id"
        " JOIN bench_state s ON s.combo_id = b.combo_id AND s.day = %s"
        f" WHERE {differs}",
        [day],
    )
    return cursor.fetchone()[0]


def journal_size(cursor, sql: Sql) -> tuple[int, int, float | None]:
    """(entries, lines, MiB of both tables with their indexes on PostgreSQL)."""
    cursor.execute("SELECT COUNT(*) FROM loans_journalentry")
    entries = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM loans_journalline")
    lines = cursor.fetchone()[0]
    mib = None
    if sql.pg:
        cursor.execute(
            "SELECT pg_total_relation_size('loans_journalentry')"
            " + pg_total_relation_size('loans_journalline')"
        )
        mib = cursor.fetchone()[0] / 1048576
    return entries, lines, mib


def daytime(cursor, sql: Sql, *, day: int, new_loans: int) -> tuple[int, int, int]:
    """What happens on bench day `day` before its night: the repayments due, new loans."""
    on = BENCH_DATE + timedelta(days=day)
    repaid, closed = apply_repayments(cursor, sql, day=day, on=on)
    signed = sign_new_loans(cursor, sql, day=day, count=new_loans) if new_loans else 0
    reset_sequences(cursor)
    return repaid, closed, signed


def close_night(connection, sql: Sql, *, day: int) -> Night:
    """Close bench day `day` with loans.cob and check the book it leaves."""
    from loans.cob import close_next_day

    on = BENCH_DATE + timedelta(days=day)
    started = time.perf_counter()
    run = close_next_day(until=on)
    seconds = time.perf_counter() - started
    assert run is not None and run.business_date == on, (run, on)
    with connection.cursor() as cursor:
        accrues, marks = expected_steps(cursor, day)
        wrong_rows = []
        if run.steps["accrue"]["rows"] != accrues:
            wrong_rows.append(f"accrue touched {run.steps['accrue']['rows']}, expected {accrues}")
        if run.steps["mark_overdue"]["rows"] != marks:
            wrong_rows.append(
                f"mark_overdue marked {run.steps['mark_overdue']['rows']}, expected {marks}"
            )
        wrong = check_states(cursor, sql, day)
        cursor.execute(f"SELECT COUNT(*) FROM loans_loan WHERE {LIVE_WHERE}")
        live = cursor.fetchone()[0]
        entries, lines, mib = journal_size(cursor, sql)
    return Night(
        day=day,
        on=on,
        seconds=seconds,
        steps=run.steps,
        repaid=0,
        closed=0,
        signed=0,
        live=live,
        entries=entries,
        lines=lines,
        journal_mib=mib,
        wrong_states=wrong,
        wrong_rows=wrong_rows,
    )


def night_line(night: Night) -> str:
    mib = f", {night.journal_mib:,.1f} MiB" if night.journal_mib is not None else ""
    steps = ", ".join(
        f"{name} {step['rows']:,}/{step['seconds']:.2f} s" for name, step in night.steps.items()
    )
    return (
        f"  day {night.day + 1} ({night.on}): {night.seconds:.2f} s, {night.rows:,} rows"
        f" [{steps}]; {night.live:,} live, {night.repaid:,} repaid ({night.closed:,} closed),"
        f" {night.signed:,} signed; journal {night.entries:,} entries, {night.lines:,} lines"
        f"{mib}; {night.wrong_states:,} states differ"
    )
