"""Close-of-business for credit lines: set-based SQL over every live line for one date.

For a date D, in order:
1. accrue the day's interest on every draw made before D, rounded down and within the draw's
   own cap on charges, and the penalty on each line's arrears (from the day after a minimum
   payment was missed), split over the room its draws' caps have left, oldest draw first;
   post one balanced entry per line (`card-accrual:<line>:<D>`);
   lines already accrued through D (a repayment accrued today) are skipped, so each
   (line, date) is accrued once;
2. statements whose payment due date is D or earlier and whose minimum is not paid are
   missed: the shortfall becomes the line's arrears (a statement's minimum already holds
   the arrears carried into it) and the line is frozen (its `freeze` transition logged);
   the bureaus hear of the missed payment, the freeze and the days past due crossing a mark
   (`cards.bureau`);
3. lines whose statement day is D's day of the month get their statement for the period
   ending D, its figures read from the ledger, due `payment_due_days` later or, when that is a
   non-working day, on the next working day; the borrower gets an SMS about it the next day
   at noon Moscow time (the outbox holds it until then);
4. a reminder, sent the same way, for each minimum payment due two days after that day and
   not yet paid in full.

The same rules for one line are in `cards.accrual` and `cards.services` (tests hold the two to
the same answers). The step runs inside the COB transaction of `loans.cob`, which the app
registers it with when it loads.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from cards import bureau
from cards.models import CreditLineStatement, StatementStatus
from kernel.sql import date_param, days_between, greatest, least, plus_days, run
from loans import workdays
from loans.business_date import MOSCOW
from loans.models import BorrowerMessage, BureauEventKind
from loans.money import format_rub

LIVE = "('open', 'frozen')"
K = BureauEventKind


def accrue(cursor, on: date) -> int:
    d = date_param()
    run(cursor, "DROP TABLE IF EXISTS card_accrual_draw")
    run(cursor, "DROP TABLE IF EXISTS card_accrual")
    run(
        cursor,
        "CREATE TEMP TABLE card_accrual_draw (draw_id BIGINT PRIMARY KEY,"
        " line_id BIGINT NOT NULL, interest BIGINT NOT NULL, penalty BIGINT NOT NULL)",
    )
    run(
        cursor,
        "CREATE TEMP TABLE card_accrual (line_id BIGINT PRIMARY KEY,"
        " interest BIGINT NOT NULL, penalty BIGINT NOT NULL)",
    )
    raw = "((d.principal_out_kop * c.daily_rate_ppm) / 1000000)"
    accrues = f"d.principal_out_kop > 0 AND d.business_date < {d}"
    # The penalty fills the room the draws have left after the day's interest, oldest first:
    # a draw takes what is due less the room of the draws before it (`upto - room`).
    run(
        cursor,
        f"""
        INSERT INTO card_accrual_draw (draw_id, line_id, interest, penalty)
        SELECT draw_id, line_id, interest,
            {least("room", greatest("0", "due - (upto - room)"))}
        FROM (
            SELECT draw_id, line_id, interest, due, room,
                SUM(room) OVER (PARTITION BY line_id ORDER BY made, draw_id
                                ROWS UNBOUNDED PRECEDING) AS upto
            FROM (
                SELECT draw_id, line_id, made, interest, due, cap - charges - interest AS room
                FROM (
                    SELECT d.id AS draw_id, c.id AS line_id, d.business_date AS made,
                        d.charges_cap_kop AS cap, d.charges_kop AS charges,
                        CASE WHEN {accrues}
                            THEN {least(raw, "d.charges_cap_kop - d.charges_kop")}
                            ELSE 0 END AS interest,
                        CASE WHEN c.overdue_kop > 0
                            THEN (c.overdue_kop * c.penalty_rate_num) / c.penalty_rate_den
                            ELSE 0 END AS due
                    FROM loans_creditlinedraw d JOIN loans_creditline c ON c.id = d.credit_line_id
                    WHERE c.status IN {LIVE} AND c.accrued_through < {d}
                      AND d.charges_kop < d.charges_cap_kop
                      AND (({accrues}) OR c.overdue_kop > 0)
                ) draws
            ) roomed
        ) running
        """,
        [on, on, on],
    )
    lines = run(
        cursor,
        f"""
        INSERT INTO card_accrual (line_id, interest, penalty)
        SELECT c.id,
            COALESCE((SELECT SUM(a.interest) FROM card_accrual_draw a WHERE a.line_id = c.id), 0),
            COALESCE((SELECT SUM(a.penalty) FROM card_accrual_draw a WHERE a.line_id = c.id), 0)
        FROM loans_creditline c
        WHERE c.status IN {LIVE} AND c.accrued_through < {d}
        """,
        [on],
    )
    run(
        cursor,
        """
        UPDATE loans_creditlinedraw SET charges_kop = charges_kop + a.interest + a.penalty
        FROM card_accrual_draw a
        WHERE a.draw_id = loans_creditlinedraw.id AND a.interest + a.penalty > 0
        """,
    )
    run(
        cursor,
        f"""
        INSERT INTO loans_journalentry
            (key, kind, loan_id, credit_line_id, business_date, created_at, memo)
        SELECT 'card-accrual:' || CAST(line_id AS VARCHAR(20)) || ':' || %s,
               'card_accrual', NULL, line_id, {d}, %s, ''
        FROM card_accrual WHERE interest + penalty > 0
        """,
        [on.isoformat(), on, timezone.now()],
    )
    run(
        cursor,
        """
        INSERT INTO loans_journalline (entry_id, loan_id, credit_line_id, account, amount_kop)
        SELECT e.id, NULL, CASE WHEN k.n IN (1, 3) THEN a.line_id END,
            CASE k.n WHEN 1 THEN 'card_interest' WHEN 2 THEN 'interest_income'
                     WHEN 3 THEN 'card_penalty' ELSE 'penalty_income' END,
            CASE k.n WHEN 1 THEN a.interest WHEN 2 THEN -a.interest
                     WHEN 3 THEN a.penalty ELSE -a.penalty END
        FROM card_accrual a
        JOIN loans_journalentry e
          ON e.key = 'card-accrual:' || CAST(a.line_id AS VARCHAR(20)) || ':' || %s
        CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k
        WHERE (CASE WHEN k.n <= 2 THEN a.interest ELSE a.penalty END) > 0
        """,
        [on.isoformat()],
    )
    run(
        cursor,
        f"""
        UPDATE loans_creditline SET
            interest_out_kop = interest_out_kop + a.interest,
            penalty_out_kop = penalty_out_kop + a.penalty,
            charges_total_kop = charges_total_kop + a.interest + a.penalty,
            accrued_through = {d},
            version = version + 1
        FROM card_accrual a WHERE a.line_id = loans_creditline.id
        """,
        [on],
    )
    run(cursor, "DROP TABLE card_accrual_draw")
    run(cursor, "DROP TABLE card_accrual")
    return lines


def mark_missed(cursor, on: date) -> int:
    d = date_param()
    due = f"s.status = '{StatementStatus.DUE}' AND s.due_date <= {d}"
    short = "s.paid_kop < s.minimum_payment_kop"
    run(cursor, "DROP TABLE IF EXISTS card_missed")
    run(
        cursor,
        "CREATE TEMP TABLE card_missed (line_id BIGINT PRIMARY KEY, freezes INTEGER NOT NULL)",
    )
    run(
        cursor,
        f"""
        INSERT INTO card_missed (line_id, freezes)
        SELECT id, CASE WHEN status = 'open' THEN 1 ELSE 0 END FROM loans_creditline
        WHERE id IN (SELECT s.credit_line_id FROM loans_creditlinestatement s
                     WHERE {due} AND {short})
        """,
        [on],
    )
    missed = "SELECT line_id FROM card_missed"
    # The freeze is the card's `freeze` transition: logged as the services log it, by the robot.
    run(
        cursor,
        f"""
        INSERT INTO cards_creditlinetransition
            (credit_line_id, transition, source, target, actor_id, actor_label, reason,
             business_date, at)
        SELECT line_id, 'freeze', 'open', 'frozen', NULL, 'system', %s, {d}, %s
        FROM card_missed WHERE freezes = 1
        """,
        # The log keeps English whatever the language of the run; the pages word it.
        ["A minimum payment was missed", on, timezone.now()],
    )
    run(
        cursor,
        f"""
        UPDATE loans_creditline SET
            overdue_kop = (
                SELECT SUM(s.minimum_payment_kop - s.paid_kop) FROM loans_creditlinestatement s
                WHERE s.credit_line_id = loans_creditline.id AND {due} AND {short}),
            overdue_since = COALESCE(overdue_since, (
                SELECT MIN(s.due_date) FROM loans_creditlinestatement s
                WHERE s.credit_line_id = loans_creditline.id AND {due} AND {short})),
            freeze_reason = CASE WHEN status = 'open' THEN 'missed_payment'
                ELSE freeze_reason END,
            status = CASE WHEN status = 'open' THEN 'frozen' ELSE status END,
            version = version + 1
        WHERE id IN ({missed})
        """,
        [on, on],
    )
    # Counted as a loan's: the first day past the missed due date is day 1.
    dpd = f"{days_between(d, 'overdue_since')} + 1"
    run(
        cursor,
        f"UPDATE loans_creditline SET days_past_due = {dpd}"
        f" WHERE overdue_since IS NOT NULL AND days_past_due <> {dpd}",
        [on, on],
    )
    frozen_today = "SELECT line_id FROM card_missed WHERE freezes = 1"
    bureau.write_events(cursor, on, K.MISSED_PAYMENT.value, f"c.id IN ({missed})")
    bureau.write_events(cursor, on, K.FROZEN.value, f"c.id IN ({frozen_today})")
    bureau.write_events(cursor, on, K.DPD_CHANGE.value, bureau.ON_A_MARK)
    bureau.queue(cursor, on)
    run(cursor, "DROP TABLE card_missed")
    return run(
        cursor,
        f"""
        UPDATE loans_creditlinestatement SET status = CASE
            WHEN paid_kop < minimum_payment_kop THEN '{StatementStatus.MISSED}'
            ELSE '{StatementStatus.PAID}' END
        WHERE status = '{StatementStatus.DUE}' AND due_date <= {d}
        """,
        [on],
    )


def issue_statements(cursor, on: date) -> int:
    """The statement of every line whose statement day is today, its period sums read from
    the ledger; opening = closing − draws − interest − penalty + payments, so they always
    agree. A failed transfer's reversal nets off the period's draws and charges.

    Minimum payment: all unpaid interest plus `min_payment_principal_ppm` of the principal
    (rounded down), at least `min_payment_floor_kop` or the whole debt when smaller. With
    arrears from a missed statement the interest part is the arrears plus the period's
    interest instead (the arrears already hold the interest they were made of). The penalty
    is in the closing balance but not in the minimum: a payment pays it after the arrears
    (`cards.allocation`).
    """
    d = date_param()
    run(cursor, "DROP TABLE IF EXISTS card_statement")
    run(
        cursor,
        "CREATE TEMP TABLE card_statement (line_id BIGINT PRIMARY KEY, period_start DATE,"
        " draws BIGINT NOT NULL, interest BIGINT NOT NULL, penalty BIGINT NOT NULL,"
        " payments BIGINT NOT NULL)",
    )
    issued = run(
        cursor,
        f"""
        INSERT INTO card_statement (line_id, period_start, draws, interest, penalty, payments)
        SELECT c.id, c.period_from,
            COALESCE(SUM(CASE WHEN e.kind = 'card_draw' OR (e.kind = 'card_draw_reversal'
                AND l.account = 'card_principal') THEN l.amount_kop END), 0),
            COALESCE(SUM(CASE WHEN e.kind IN ('card_accrual', 'card_draw_reversal')
                AND l.account = 'card_interest' THEN l.amount_kop END), 0),
            COALESCE(SUM(CASE WHEN e.kind IN ('card_accrual', 'card_draw_reversal')
                AND l.account = 'card_penalty' THEN l.amount_kop END), 0),
            COALESCE(SUM(CASE WHEN e.kind = 'card_repayment' THEN -l.amount_kop END), 0)
        FROM loans_creditline c
        LEFT JOIN loans_journalentry e ON e.credit_line_id = c.id
            AND e.business_date >= c.period_from AND e.business_date <= {d}
        LEFT JOIN loans_journalline l ON l.entry_id = e.id AND l.credit_line_id = c.id
        WHERE c.status IN {LIVE} AND c.statement_day = %s AND c.period_from < {d}
        GROUP BY c.id, c.period_from
        """,
        [on, on.day, on],
    )
    if not issued:
        run(cursor, "DROP TABLE card_statement")
        return 0
    closing = "(c.principal_out_kop + c.interest_out_kop + c.penalty_out_kop)"
    interest_part = (
        f"(CASE WHEN c.overdue_kop > 0 THEN {least('c.overdue_kop + t.interest', closing)}"
        " ELSE c.interest_out_kop END)"
    )
    principal_part = "((c.principal_out_kop * c.min_payment_principal_ppm) / 1000000)"
    minimum = least(
        greatest(f"{interest_part} + {principal_part}", least("c.min_payment_floor_kop", closing)),
        closing,
    )
    run(
        cursor,
        f"""
        INSERT INTO loans_creditlinestatement (credit_line_id, period_start, period_end,
            opening_balance_kop, draws_kop, interest_kop, penalty_kop, payments_kop,
            closing_balance_kop, closing_principal_kop, closing_interest_kop,
            closing_penalty_kop, minimum_payment_kop, due_date, paid_kop, status, created_at)
        SELECT c.id, t.period_start, {d},
            {closing} - t.draws - t.interest - t.penalty + t.payments, t.draws, t.interest,
            t.penalty, t.payments, {closing}, c.principal_out_kop, c.interest_out_kop,
            c.penalty_out_kop, {minimum},
            {plus_days(d, "c.payment_due_days")}, 0,
            CASE WHEN {minimum} > 0 THEN '{StatementStatus.DUE}'
                 ELSE '{StatementStatus.PAID}' END, %s
        FROM card_statement t JOIN loans_creditline c ON c.id = t.line_id
        """,
        [on, on, timezone.now()],
    )
    run(
        cursor,
        f"UPDATE loans_creditline SET period_from = {d}, version = version + 1"
        " WHERE id IN (SELECT line_id FROM card_statement)",
        [on + timedelta(days=1)],
    )
    run(cursor, "DROP TABLE card_statement")
    move_due_dates_to_working_days(on)
    return issued


def move_due_dates_to_working_days(on: date) -> None:
    """A minimum payment due on a non-working day is due on the next working day (Civil Code
    art. 193), as a loan's due dates are: the statements of `on` have one due date per
    `payment_due_days` in use, so a few updates move them all."""
    issued = CreditLineStatement.objects.filter(period_end=on)
    for due in set(issued.order_by().values_list("due_date", flat=True)):
        moved = workdays.on_or_after(due)
        if moved != due:
            issued.filter(due_date=due).update(due_date=moved)


# Notices go out at noon Moscow time the day after COB: 11:00–21:00 locally anywhere in
# Russia, never at night when COB runs.
NOTICE_HOUR_MSK = 12
# A reminder goes out this many days before a minimum payment falls due, if still unpaid.
REMIND_DAYS_BEFORE_DUE = 2


def _notify(statements, *, on: date, kind: str, text: Callable[[CreditLineStatement], str]):
    """One SMS per statement, held in the outbox until noon the day after `on`; the
    statements of one day are a few per thousand lines, written in one INSERT."""
    send_after = datetime.combine(on + timedelta(days=1), time(NOTICE_HOUR_MSK), MOSCOW)
    messages = [
        BorrowerMessage(
            borrower=s.credit_line.borrower,
            phone=s.credit_line.borrower.phone,
            kind=kind,
            body=text(s),
            send_after=send_after,
        )
        for s in statements.select_related("credit_line__borrower")
    ]
    BorrowerMessage.objects.bulk_create(messages)
    return len(messages)


def notify_statements(on: date) -> int:
    """The statements issued for `on` that ask for a payment."""
    return _notify(
        CreditLineStatement.objects.filter(period_end=on, minimum_payment_kop__gt=0),
        on=on,
        kind="card_statement",
        text=lambda s: (
            f"Займер: выписка по карте за {s.period_start:%d.%m}–{s.period_end:%d.%m}. "
            f"Долг {format_rub(s.closing_balance_kop)}, минимальный платёж "
            f"{format_rub(s.minimum_payment_kop)} до {s.due_date:%d.%m.%Y}."
        ),
    )


def remind_due_payments(on: date) -> int:
    """The minimum payments falling due REMIND_DAYS_BEFORE_DUE days after the notice goes
    out and not paid in full."""
    return _notify(
        CreditLineStatement.objects.filter(
            status=StatementStatus.DUE,
            due_date=on + timedelta(days=1 + REMIND_DAYS_BEFORE_DUE),
            paid_kop__lt=F("minimum_payment_kop"),
        ),
        on=on,
        kind="card_payment_due",
        text=lambda s: (
            f"Займер: до {s.due_date:%d.%m.%Y} внесите минимальный платёж по карте: "
            f"{format_rub(s.minimum_payment_kop - s.paid_kop)}."
        ),
    )


def step_credit_lines(cursor, on: date) -> int:
    """The credit-line part of COB for one date; returns the lines accrued."""
    accrued = accrue(cursor, on)
    mark_missed(cursor, on)
    if issue_statements(cursor, on):
        notify_statements(on)
    remind_due_payments(on)
    return accrued
