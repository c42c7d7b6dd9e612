"""Close-of-business: set-based SQL over every live loan for one business date.

For a date D, in order: accrue the day's interest and penalties (within the cap on all
charges), mark due dates that passed unpaid (`miss_due_date`: serviced → overdue; only when D is a
working day, since a term ending on a non-working day ends on the next working one), and update
days past due; last, store the day's trial balance and prove the day's journal against the
day before's (`loans.trial_balance`; what it finds is logged, the night is not undone for it).
The whole day commits at once, so a run killed halfway leaves nothing behind,
and each (loan, date) is accrued once: `accrued_through` and the entry key
`accrual:<loan>:<date>` both say so. Loans a repayment already accrued today are skipped.
The day rules mirror `loans.servicing` (tests hold the two to the same answers).
"""

import time
from collections.abc import Callable
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from kernel.request_memo import forget
from kernel.sql import date_param, days_between, least, run
from loans import workdays
from loans.bureau_outbox import step_bureau_events
from loans.business_date import BUSINESS_DATE, current_business_date
from loans.models import BusinessDate, CobRun
from loans.models.products import PenaltyMode
from loans.trial_balance import step_daily_proof, step_trial_balance

LIVE = "('serviced', 'overdue')"
# Overdue loans past their last due date: their whole balance is overdue, so their split moves
# with every accrual (step_mark_overdue keeps it right; the accrual UPDATE sets it in passing).
PAST_LAST_DUE = "status = 'overdue' AND next_due_date IS NULL"


def _charge(numerator: str, denominator: str) -> str:
    """SQL for a charge rounded down to the kopeck (loans.money.charge_kop): integer division."""
    return f"(({numerator}) / ({denominator}))"


def _tune_session(cursor) -> None:
    """PostgreSQL settings for the rest of the COB transaction (SET LOCAL: reset at its end).

    Hash joins and sorts over every live loan stay in memory. The statements are plain scans
    and joins, so compiling them (JIT) only adds time. The tables are in memory or on SSD, so a
    page read at random costs about what one read in sequence does: the few loans a due date
    reaches are then found by key instead of by reading the whole loans table.
    """
    if connection.vendor != "postgresql":
        return
    run(cursor, "SET LOCAL work_mem = '256MB'")
    run(cursor, "SET LOCAL jit = off")
    run(cursor, "SET LOCAL random_page_cost = 1.1")


def _entry_ids(cursor) -> str:
    """SQL numbering the accrual entries (`posted` rows, in loan order) with fresh entry ids.

    PostgreSQL draws them from the table's own sequence, so repayments posting entries at the
    same time get others. SQLite has one writer at a time (the COB transaction holds it), so
    the ids after the highest ever used are free.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_get_serial_sequence('loans_journalentry', 'id')")
        sequence = cursor.fetchone()[0].replace("'", "''")
        return f"CASE WHEN posted THEN nextval('{sequence}') END"
    cursor.execute(
        "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'loans_journalentry'),"
        " 0), COALESCE((SELECT MAX(id) FROM loans_journalentry), 0))"
    )
    last = int(cursor.fetchone()[0])
    return (
        f"CASE WHEN posted THEN {last} + SUM(CASE WHEN posted THEN 1 ELSE 0 END)"
        " OVER (ORDER BY loan_id ROWS UNBOUNDED PRECEDING) END"
    )


def step_accrue(cursor, on: date) -> int:
    interest_raw = _charge("principal_out_kop * daily_rate_ppm", "1000000")
    penalty_raw = _charge("principal_overdue_kop * penalty_rate_num", "penalty_rate_den")
    d = date_param()
    pg = connection.vendor == "postgresql"
    _tune_session(cursor)
    run(cursor, "DROP TABLE IF EXISTS cob_accrual")
    run(
        cursor,
        "CREATE TEMP TABLE cob_accrual (loan_id BIGINT PRIMARY KEY,"
        " interest BIGINT NOT NULL, penalty BIGINT NOT NULL, entry_id BIGINT)",
    )
    # Each loan's entry id is drawn here, so entries and their lines are written straight
    # from this table: no second pass over today's entries to find them again.
    touched = run(
        cursor,
        f"""
        INSERT INTO cob_accrual (loan_id, interest, penalty, entry_id)
        SELECT loan_id, interest, penalty, {_entry_ids(cursor)}
        FROM (
        SELECT id AS loan_id, interest, {least("penalty", "room - interest")} AS penalty,
            interest + {least("penalty", "room - interest")} > 0 AS posted
        FROM (
            SELECT id, room, penalty, {least("interest", "room")} AS interest
            FROM (
                SELECT id,
                    charges_cap_kop - charges_total_kop AS room,
                    CASE WHEN NOT interest_stopped AND NOT (
                        status = 'overdue' AND penalty_mode = %s
                    ) THEN {interest_raw} ELSE 0 END AS interest,
                    CASE WHEN status = 'overdue' AND NOT penalties_stopped
                        THEN {penalty_raw} ELSE 0 END AS penalty
                FROM loans_loan
                WHERE status IN {LIVE} AND accrued_through < {d}
            ) raw
        ) capped
        ) accrued
        """,
        [PenaltyMode.DAILY_WITHOUT_INTEREST.value, on],
    )
    if pg:
        run(cursor, "ANALYZE cob_accrual")
    now = timezone.now()
    run(
        cursor,
        f"""
        INSERT INTO loans_journalentry (id, key, kind, loan_id, business_date, created_at, memo)
        SELECT entry_id, 'accrual:' || CAST(loan_id AS VARCHAR(20)) || ':' || %s,
               'accrual', loan_id, {d}, %s, ''
        FROM cob_accrual WHERE entry_id IS NOT NULL
        """,
        [on.isoformat(), on, now],
    )
    run(
        cursor,
        """
        INSERT INTO loans_journalline (entry_id, loan_id, account, amount_kop)
        SELECT a.entry_id,
            CASE WHEN k.n IN (1, 3) THEN a.loan_id END,
            CASE k.n WHEN 1 THEN 'loan_interest' WHEN 2 THEN 'interest_income'
                     WHEN 3 THEN 'loan_penalty' ELSE 'penalty_income' END,
            CASE k.n WHEN 1 THEN a.interest WHEN 2 THEN -a.interest
                     WHEN 3 THEN a.penalty ELSE -a.penalty END
        FROM cob_accrual a
        CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k
        WHERE a.entry_id IS NOT NULL
          AND (CASE WHEN k.n <= 2 THEN a.interest ELSE a.penalty END) <> 0
        """,
    )
    # One write per loan: what the later steps would write again for an overdue loan (its
    # days past due, and past its last due date its overdue split) is written now; they skip
    # the rows already right. It sets no indexed column, so on PostgreSQL, with the room the
    # table's fillfactor keeps on each page, every row is updated in place (HOT) and no index
    # of loans_loan gets an entry (a test holds it to that).
    interest, principal, _ = _overdue_sql(interest_out="(interest_out_kop + a.interest)")
    run(
        cursor,
        f"""
        UPDATE loans_loan SET
            interest_out_kop = interest_out_kop + a.interest,
            penalty_out_kop = penalty_out_kop + a.penalty,
            charges_total_kop = charges_total_kop + a.interest + a.penalty,
            accrued_through = {d},
            days_past_due = CASE WHEN status = 'overdue' AND overdue_since IS NOT NULL
                THEN {_days_past_due(d)} ELSE days_past_due END,
            interest_overdue_kop = CASE WHEN {PAST_LAST_DUE}
                THEN {interest} ELSE interest_overdue_kop END,
            principal_overdue_kop = CASE WHEN {PAST_LAST_DUE}
                THEN {principal} ELSE principal_overdue_kop END
        FROM cob_accrual a WHERE a.loan_id = loans_loan.id
        """,
        [on, on],
    )
    run(cursor, "DROP TABLE cob_accrual")
    return touched


def _overdue_sql(
    due_passed: str = "due_passed_kop",
    next_due: str = "next_due_date",
    interest_out: str = "interest_out_kop",
) -> tuple[str, str, str]:
    """The overdue split (interest, principal) and 'in arrears' after it, as SQL.

    The arguments may be expressions for values the same UPDATE is setting.
    """
    shortfall = (
        f"(CASE WHEN {due_passed} > paid_debt_kop THEN {due_passed} - paid_debt_kop ELSE 0 END)"
    )
    interest_part = least(interest_out, shortfall)
    final = f"({next_due} IS NULL AND {due_passed} > 0)"
    interest = f"(CASE WHEN {final} THEN {interest_out} ELSE {interest_part} END)"
    principal = (
        f"(CASE WHEN {final} THEN principal_out_kop"
        f" ELSE {least('principal_out_kop', f'{shortfall} - {interest_part}')} END)"
    )
    in_arrears = (
        f"({interest} + {principal} > 0 OR"
        f" ({final} AND principal_out_kop + {interest_out} + penalty_out_kop + fees_out_kop > 0))"
    )
    return interest, principal, in_arrears


def _collect_due(cursor, on: date) -> None:
    """Fill cob_due with the loans whose due date passed by `on`. On a non-working day nothing
    passes: a term that ends on a non-working day ends on the next working day (Civil Code
    art. 193), so its loans are marked, if still unpaid, when that day closes."""
    if not workdays.is_working_day(on):
        return
    d = date_param()
    run(
        cursor,
        f"""
        INSERT INTO cob_due (loan_id, due_sum, next_due)
        SELECT l.id,
            (SELECT COALESCE(SUM(s.total_kop), 0) FROM loans_scheduleitem s
             WHERE s.loan_id = l.id AND s.version = l.schedule_version
               AND s.due_date >= l.next_due_date AND s.due_date <= {d}),
            (SELECT MIN(s.due_date) FROM loans_scheduleitem s
             WHERE s.loan_id = l.id AND s.version = l.schedule_version AND s.due_date > {d})
        FROM loans_loan l
        WHERE l.status IN {LIVE} AND l.next_due_date <= {d}
        """,
        [on, on, on],
    )


def step_mark_overdue(cursor, on: date) -> int:
    _tune_session(cursor)
    d = date_param()
    run(cursor, "DROP TABLE IF EXISTS cob_due")
    run(
        cursor,
        "CREATE TEMP TABLE cob_due"
        " (loan_id BIGINT PRIMARY KEY, due_sum BIGINT NOT NULL, next_due DATE)",
    )
    _collect_due(cursor, on)
    if connection.vendor == "postgresql":
        run(cursor, "ANALYZE cob_due")
    # The split is fixed when a due date passes (servicing.split_when_due); interest accrued
    # after it stays current until the next one. Past the last due date all of it is overdue.
    # A due loan is written once: its new due amounts, the split they give, and, when that
    # leaves it in arrears, `miss_due_date` (logged first, from the same expressions).
    interest, principal, in_arrears = _overdue_sql(
        due_passed="(due_passed_kop + d.due_sum)", next_due="d.next_due"
    )
    newly = f"(status = 'serviced' AND {in_arrears})"
    marked = run(
        cursor,
        f"""
        INSERT INTO loans_transitionlog
            (loan_id, transition, source, target, actor_id, actor_label, reason, business_date, at)
        SELECT id, 'miss_due_date', 'serviced', 'overdue', NULL, 'system',
               'COB: a due date passed unpaid', {d}, %s
        FROM loans_loan JOIN cob_due d ON d.loan_id = loans_loan.id WHERE {newly}
        """,
        [on, timezone.now()],
    )
    run(
        cursor,
        f"""
        UPDATE loans_loan SET
            due_passed_kop = due_passed_kop + d.due_sum,
            next_due_date = d.next_due,
            interest_overdue_kop = {interest},
            principal_overdue_kop = {principal},
            status = CASE WHEN {newly} THEN 'overdue' ELSE status END,
            overdue_since = CASE WHEN {newly} THEN {d} ELSE overdue_since END,
            days_past_due = CASE WHEN {newly} THEN 1 ELSE days_past_due END
        FROM cob_due d WHERE d.loan_id = loans_loan.id
        """,
        [on],
    )
    interest, principal, _ = _overdue_sql()
    run(
        cursor,
        f"UPDATE loans_loan SET interest_overdue_kop = {interest},"
        f" principal_overdue_kop = {principal} WHERE {PAST_LAST_DUE}"
        " AND id NOT IN (SELECT loan_id FROM cob_due)"
        f" AND (interest_overdue_kop <> {interest} OR principal_overdue_kop <> {principal})",
    )
    run(cursor, "DROP TABLE cob_due")
    return marked


def _days_past_due(d: str) -> str:
    return f"{days_between(d, 'overdue_since')} + 1"


def step_days_past_due(cursor, on: date) -> int:
    """Days past due of every overdue loan; the rows accrual and marking already set are
    skipped (each loan is written as few times a day as possible)."""
    d = date_param()
    return run(
        cursor,
        f"UPDATE loans_loan SET days_past_due = {_days_past_due(d)}"
        " WHERE status = 'overdue' AND overdue_since IS NOT NULL"
        f" AND days_past_due <> {_days_past_due(d)}",
        [on, on],
    )


STEPS: list[tuple[str, Callable]] = [
    ("accrue", step_accrue),
    ("mark_overdue", step_mark_overdue),
    ("days_past_due", step_days_past_due),
    ("bureau_events", step_bureau_events),
    ("trial_balance", step_trial_balance),
    ("daily_proof", step_daily_proof),
]


def register_step(name: str, step: Callable, *, before: str = "bureau_events") -> None:
    """A higher floor's part of the day (the card's), run in the same transaction just before
    the step `before` (the bureaus hear of the day's events last)."""
    if any(known == name for known, _ in STEPS):
        return
    at = next(i for i, (known, _) in enumerate(STEPS) if known == before)
    STEPS.insert(at, (name, step))


def close_next_day(*, until: date) -> CobRun | None:
    """Close the open business day if it is not after `until`; None when there is nothing to do.

    The business-date row is locked for the whole day, so two schedulers started at once
    process each date once: the second waits, then finds the day already closed.
    """
    current_business_date()
    with transaction.atomic():
        business = BusinessDate.objects.select_for_update().get(pk=1)
        on = business.date
        if on > until:
            return None
        run = CobRun.objects.create(business_date=on)
        timings = {}
        with connection.cursor() as cursor:
            for name, step in STEPS:
                started = time.perf_counter()
                rows = step(cursor, on)
                timings[name] = {"rows": rows, "seconds": round(time.perf_counter() - started, 3)}
        run.steps = timings
        run.finished_at = timezone.now()
        run.save(update_fields=["steps", "finished_at"])
        business.date = on + timedelta(days=1)
        business.save(update_fields=["date"])
        forget(BUSINESS_DATE)
    return run


def run_cob_until(*, until: date) -> list[CobRun]:
    """Close every open day up to and including `until`, in order (catches up missed days)."""
    runs = []
    while (run := close_next_day(until=until)) is not None:
        runs.append(run)
    return runs
