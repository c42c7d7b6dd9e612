"""The card's credit-history events (218-FZ) that close-of-business writes set-based: a
missed minimum payment, the freeze it brings, and the days past due as they cross a mark, as
`loans.bureau_outbox` does for loans. The card's other events (opening, draws, payments, a
freeze or unfreeze by staff or by a payment, a limit change, closing) are written one by one
by `cards.services` through `loans.bureau_outbox.record_event`."""

from datetime import date

from django.utils import timezone

from kernel.sql import date_param, run
from loans.bureau_outbox import DPD_MARKS, json_object, queue_submissions, subject_sql
from loans.models import BureauEventKind

K = BureauEventKind
COB_KINDS = [K.MISSED_PAYMENT.value, K.FROZEN.value, K.DPD_CHANGE.value]
# Lines whose days past due stand on a mark today (the first day is the missed payment's).
ON_A_MARK = f"c.overdue_since IS NOT NULL AND c.days_past_due IN ({', '.join(map(str, DPD_MARKS))})"


def _payload(kind: str, d: str) -> str:
    """`CreditLine.bureau_facts` with the event's head, as SQL over the line `c`."""
    return json_object(
        "'event'", f"'{kind}'",
        "'occurred_on'", f"CAST({d} AS VARCHAR(10))",
        "'credit_uid'", "COALESCE(c.credit_uid, '')",
        "'subject'", subject_sql(),
        "'contract'", "'card'",
        "'credit_line_id'", "c.id",
        "'status'", "c.status",
        "'limit_kop'", "c.limit_kop",
        "'debt_kop'", "c.principal_out_kop + c.interest_out_kop + c.penalty_out_kop",
        "'principal_out_kop'", "c.principal_out_kop",
        "'overdue_kop'", "c.overdue_kop",
        "'overdue_since'", "COALESCE(CAST(c.overdue_since AS VARCHAR(10)), '')",
        "'days_past_due'", "c.days_past_due",
    )  # fmt: skip


def write_events(cursor, on: date, kind: str, where: str) -> int:
    """One event of `kind` on `on` for every line matching `where` (once a day)."""
    d = date_param()
    return run(
        cursor,
        f"""
        INSERT INTO loans_bureauevent (kind, loan_id, credit_line_id, borrower_id,
            credit_uid, occurred_on, created_at, payload, corrects_id)
        SELECT %s, NULL, c.id, c.borrower_id, COALESCE(c.credit_uid, ''), {d}, %s,
            {_payload(kind, d)}, NULL
        FROM loans_creditline c JOIN loans_borrower b ON b.id = c.borrower_id
        WHERE {where} AND NOT EXISTS (SELECT 1 FROM loans_bureauevent e
            WHERE e.credit_line_id = c.id AND e.kind = %s AND e.occurred_on = {d})
        """,
        [kind, on, timezone.now(), on, kind, on],
    )


def queue(cursor, on: date) -> int:
    return queue_submissions(cursor, on, COB_KINDS)
