"""Credit-history reporting (218-FZ): the event writer and the outbox it fills.

Every service that changes what the bureaus must know calls `record_event` inside its own
transaction, so an event is stored exactly when the change commits (nothing reported is lost,
nothing lost is reported). The event gets one `BureauSubmission` per bureau in
`BUREAU_REPORTING` (the same data to each), with its deadline in working days of the
production calendar (`BUREAU_REPORT_DEADLINE_WORKING_DAYS`, 3 by default, REGULATION.md).
`loans.bureau_sending` delivers them; COB writes its missed payments and days past due here
set-based.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kernel.sql import date_param, run
from loans import workdays
from loans.business_date import current_business_date
from loans.models import (
    Borrower,
    BureauEvent,
    BureauEventKind,
    BureauSubmission,
    Loan,
    SubmissionStatus,
)

K = BureauEventKind
DEFAULT_BUREAUS = ("nbki", "okb", "scoring_bureau")
# Days past due reported as they cross these marks (and the first day of a missed payment).
DPD_MARKS = (30, 60, 90, 120, 180)


def reporting_bureaus() -> list[str]:
    return list(getattr(settings, "BUREAU_REPORTING", DEFAULT_BUREAUS))


def deadline_working_days() -> int:
    return int(getattr(settings, "BUREAU_REPORT_DEADLINE_WORKING_DAYS", 3))


def deadline_for(on: date) -> date:
    return workdays.add_working_days(on, deadline_working_days())


def identity(borrower: Borrower) -> dict:
    """What identifies the borrower to a bureau."""
    return {
        "full_name": borrower.full_name,
        "birth_date": borrower.birth_date.isoformat() if borrower.birth_date else "",
        "passport": f"{borrower.passport_series}{borrower.passport_number}",
        "phone": borrower.phone,
    }


def loan_facts(loan: Loan) -> dict:
    """The contract's state that every loan event carries: amounts, dates, status."""
    return {
        "contract": "loan",
        "loan_id": loan.pk,
        "product": loan.product.kind if loan.product_id else "",
        "status": loan.status,
        "requested_kop": loan.requested_amount_kop,
        "principal_kop": loan.principal_kop,
        "psk_percent": str(loan.psk_percent) if loan.psk_percent is not None else "",
        "psk_kop": loan.psk_kop,
        "signed_on": loan.signed_on.isoformat() if loan.signed_on else "",
        "issue_date": loan.issue_date.isoformat() if loan.issue_date else "",
        "maturity_date": loan.maturity_date.isoformat() if loan.maturity_date else "",
        "next_due_date": loan.next_due_date.isoformat() if loan.next_due_date else "",
        "debt_kop": loan.debt_kop,
        "principal_out_kop": loan.principal_out_kop,
        "overdue_kop": loan.principal_overdue_kop + loan.interest_overdue_kop,
        "days_past_due": loan.days_past_due,
    }


class CardContract(Protocol):
    """The virtual card (`cards.models.CreditLine`, a floor up) as an event's contract."""

    pk: Any
    borrower: Borrower
    credit_uid: str | None

    def bureau_facts(self) -> dict: ...


@transaction.atomic(savepoint=False)
def record_event(
    *,
    kind: str,
    on: date,
    loan: Loan | None = None,
    credit_line: CardContract | None = None,
    extra: dict | None = None,
    corrects: BureauEvent | None = None,
) -> BureauEvent:
    """Store the event and queue it for every bureau, in the caller's transaction."""
    contract: Loan | CardContract | None = loan or credit_line
    if contract is None:
        raise ValueError("A bureau event belongs to a loan or a card")
    borrower = contract.borrower
    facts = loan_facts(loan) if loan is not None else contract.bureau_facts()
    event = BureauEvent.objects.create(
        kind=kind,
        loan=loan,
        credit_line=credit_line,
        borrower=borrower,
        credit_uid=contract.credit_uid or "",
        occurred_on=on,
        corrects=corrects,
        payload={
            "event": kind,
            "occurred_on": on.isoformat(),
            "credit_uid": contract.credit_uid or "",
            "subject": identity(borrower),
            **facts,
            **(extra or {}),
        },
    )
    deadline = deadline_for(on)
    BureauSubmission.objects.bulk_create(
        BureauSubmission(event=event, bureau=bureau, deadline=deadline)
        for bureau in reporting_bureaus()
    )
    return event


@transaction.atomic
def event_correct(*, event: BureauEvent, cancel: bool = False) -> BureauEvent:
    """A correction (the contract's data as it is now) or a cancellation of an earlier event:
    an event of its own, sent to every bureau; the earlier submissions still waiting or
    rejected are superseded."""
    kind = K.CANCELLATION if cancel else K.CORRECTION
    loan = Loan.objects.filter(pk=event.loan_id).first() if event.loan_id else None
    line = event.credit_line if event.credit_line_id else None
    fresh = record_event(
        kind=kind,
        on=workdays_today(),
        loan=loan,
        credit_line=line,
        corrects=event,
        extra={"corrected_event": event.pk, "corrected_kind": event.kind},
    )
    event.submissions.filter(
        status__in=[SubmissionStatus.PENDING, SubmissionStatus.REJECTED, SubmissionStatus.FAILED]
    ).update(status=SubmissionStatus.SUPERSEDED)
    return fresh


def workdays_today() -> date:
    return current_business_date()


# What each loan transition tells the bureaus (the others tell them nothing new).
TRANSITION_EVENTS = {
    "approve": K.APPROVED,
    "decline": K.REFUSED,
    "confirm_payout": K.ISSUED,
    "repay_in_full": K.CLOSED,
    "write_off": K.WRITTEN_OFF,
}


def record_transition(*, loan: Loan, name: str, source: str, reason: str, on: date) -> None:
    """The bureau event a loan transition makes, if any (called by the loan services)."""
    kind = TRANSITION_EVENTS.get(name)
    if name == "cancel" and source == "approved":
        kind = K.NOT_TAKEN  # approved and not taken: reported too (218-FZ)
    if kind is None:
        return
    extra = {"reason": reason} if kind in (K.REFUSED, K.NOT_TAKEN, K.WRITTEN_OFF) else None
    record_event(kind=kind, on=on, loan=loan, extra=extra)


# --- set-based, for COB ------------------------------------------------------------------


def json_object(*pairs: str) -> str:
    """SQL building a JSON object from alternating key literals and value expressions."""
    name = "json_build_object" if connection.vendor == "postgresql" else "json_object"
    return f"{name}({', '.join(pairs)})"


def subject_sql(b: str = "b") -> str:
    """`identity` as SQL over the borrower row `b`."""
    return json_object(
        "'full_name'", f"{b}.full_name",
        "'birth_date'", f"CAST({b}.birth_date AS VARCHAR(10))",
        "'passport'", f"{b}.passport_series || {b}.passport_number",
        "'phone'", f"{b}.phone",
    )  # fmt: skip


def _cob_payload(kind: str, d: str) -> str:
    return json_object(
        "'event'", f"'{kind}'",
        "'occurred_on'", f"CAST({d} AS VARCHAR(10))",
        "'credit_uid'", "COALESCE(l.credit_uid, '')",
        "'subject'", subject_sql(),
        "'contract'", "'loan'",
        "'loan_id'", "l.id",
        "'status'", "l.status",
        "'principal_kop'", "l.principal_kop",
        "'debt_kop'", "l.principal_out_kop + l.interest_out_kop + l.penalty_out_kop"
        " + l.fees_out_kop",
        "'principal_out_kop'", "l.principal_out_kop",
        "'overdue_kop'", "l.principal_overdue_kop + l.interest_overdue_kop",
        "'days_past_due'", "l.days_past_due",
    )  # fmt: skip


def queue_submissions(cursor, on: date, kinds: list[str]) -> int:
    """One submission to every bureau for each event of these kinds written on `on` without
    any yet (the set-based events of COB), due by the deadline of `on`."""
    d = date_param()
    bureaus = " UNION ALL ".join("SELECT %s AS bureau" for _ in reporting_bureaus())
    return run(
        cursor,
        f"""
        INSERT INTO loans_bureausubmission (event_id, bureau, status, deadline, attempts,
            next_attempt_at, last_error, reason, receipt, answered_at)
        SELECT e.id, b.bureau, 'pending', {d}, 0, NULL, '', '', '', NULL
        FROM loans_bureauevent e CROSS JOIN ({bureaus}) b
        WHERE e.occurred_on = {d} AND e.kind IN ({", ".join("%s" for _ in kinds)})
          AND NOT EXISTS (SELECT 1 FROM loans_bureausubmission s WHERE s.event_id = e.id)
        """,
        [deadline_for(on), *reporting_bureaus(), on, *kinds],
    )


def step_bureau_events(cursor, on: date) -> int:
    """COB's credit-history events for `on`, set-based: a missed payment for every loan
    marked overdue that day, and days past due as a loan crosses a mark; then their
    submissions to every bureau."""
    d = date_param()
    now = timezone.now()
    written = 0
    for kind, where, where_params in (
        (
            K.MISSED_PAYMENT,
            f"EXISTS (SELECT 1 FROM loans_transitionlog t WHERE t.loan_id = l.id"
            f" AND t.transition = 'miss_due_date' AND t.business_date = {d})",
            [on],
        ),
        (
            K.DPD_CHANGE,
            f"l.status = 'overdue' AND l.days_past_due IN ({', '.join(map(str, DPD_MARKS))})",
            [],
        ),
    ):
        written += run(
            cursor,
            f"""
            INSERT INTO loans_bureauevent (kind, loan_id, credit_line_id, borrower_id,
                credit_uid, occurred_on, created_at, payload, corrects_id)
            SELECT %s, l.id, NULL, l.borrower_id, COALESCE(l.credit_uid, ''), {d}, %s,
                {_cob_payload(kind.value, d)}, NULL
            FROM loans_loan l JOIN loans_borrower b ON b.id = l.borrower_id
            WHERE {where} AND NOT EXISTS (SELECT 1 FROM loans_bureauevent e
                WHERE e.loan_id = l.id AND e.kind = %s AND e.occurred_on = {d})
            """,
            [kind.value, on, now, on, *where_params, kind.value, on],
        )
    if written:
        queue_submissions(cursor, on, [K.MISSED_PAYMENT.value, K.DPD_CHANGE.value])
    return written


# --- deadlines ------------------------------------------------------------------------------

OPEN = (SubmissionStatus.PENDING, SubmissionStatus.REJECTED, SubmissionStatus.FAILED)


@dataclass(frozen=True)
class BureauDeadlines:
    bureau: str
    late: list
    at_risk: list


def deadline_report(*, today: date, rows: int = 50) -> list[BureauDeadlines]:
    """Per bureau: submissions not acknowledged past their deadline (late), and those whose
    deadline is today or the next working day (at risk)."""
    soon = workdays.next_working_day(today)
    waiting = BureauSubmission.objects.filter(status__in=OPEN).select_related("event")
    report = []
    for bureau in reporting_bureaus():
        mine = waiting.filter(bureau=bureau).order_by("deadline", "pk")
        report.append(
            BureauDeadlines(
                bureau=bureau,
                late=list(mine.filter(deadline__lt=today)[:rows]),
                at_risk=list(mine.filter(deadline__gte=today, deadline__lte=soon)[:rows]),
            )
        )
    return report


def late_count(*, today: date) -> int:
    return BureauSubmission.objects.filter(status__in=OPEN, deadline__lt=today).count()
