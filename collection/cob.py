"""The collection steps of close-of-business, for a business date the loan core has closed.

In order: open cases for loans and cards that became overdue, refresh every open case from its
debt (days past due, bucket, debt, stage) and close the settled ones, resolve promises to pay,
plan pre-collection reminders (for loans: a card reminds of its own minimum payments). Updates
over many rows are single SQL statements; Python loops only over what is new today (new cases,
cases entering a new bucket, reminders).
"""

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from cards.models import CreditLine, CreditLineRepayment, CreditLineStatus
from collection import services
from collection.models import (
    OPEN_CASE,
    Channel,
    CollectionCase,
    CollectionDay,
    NextAction,
    PreCollectionReminder,
    PromiseStatus,
    PromiseToPay,
    ReminderStatus,
)
from collection.policy import contact_allowed
from collection.prediction import lateness_probabilities, loan_facts
from kernel.errors import DomainError
from kernel.sql import least
from loans.models import CobRun, IncomingPayment, Loan, LoanStatus

OPEN_STAGES = "('soft', 'hard', 'legal')"
BUCKET_SQL = (
    "CASE WHEN l.days_past_due <= 30 THEN '1-30' WHEN l.days_past_due <= 60 THEN '31-60'"
    " WHEN l.days_past_due <= 90 THEN '61-90' ELSE '90+' END"
)


def _date(value: date) -> str:
    return value.isoformat()


def step_open_cases(on: date, at: datetime) -> int:
    open_cases = CollectionCase.objects.filter(OPEN_CASE)
    loans = Loan.objects.filter(status=LoanStatus.OVERDUE).exclude(collection_cases__in=open_cases)
    cards = (
        CreditLine.objects.filter(overdue_kop__gt=0)
        .exclude(status=CreditLineStatus.CLOSED)
        .exclude(collection_cases__in=open_cases)
    )
    loads = services.open_case_loads()
    opened = 0
    for debt in [*loans.order_by("pk"), *cards.order_by("pk")]:
        services.case_open(debt=debt, on=on, loads=loads)
        opened += 1
    return opened


def step_refresh_cases(on: date, at: datetime) -> int:
    """Copy every open case's figures from its overdue debt; soft turns hard after 30 days.
    Cases that enter a new bucket get their strategy chosen again."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.id FROM collection_collectioncase c JOIN loans_loan l ON l.id = c.loan_id
            WHERE c.stage IN {OPEN_STAGES} AND l.status = 'overdue' AND c.bucket <> {BUCKET_SQL}
            UNION ALL
            SELECT c.id FROM collection_collectioncase c
            JOIN loans_creditline l ON l.id = c.credit_line_id
            WHERE c.stage IN {OPEN_STAGES} AND l.overdue_kop > 0 AND c.bucket <> {BUCKET_SQL}
            """  # noqa: S608 (constants only)
        )
        moved = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"""
            UPDATE collection_collectioncase SET
                days_past_due = l.days_past_due,
                bucket = {BUCKET_SQL},
                overdue_principal_kop = l.principal_overdue_kop,
                overdue_interest_kop = l.interest_overdue_kop,
                penalty_kop = l.penalty_out_kop,
                fees_kop = l.fees_out_kop,
                debt_kop = l.principal_out_kop + l.interest_out_kop + l.penalty_out_kop
                    + l.fees_out_kop,
                stage = CASE WHEN collection_collectioncase.stage = 'soft'
                    AND l.days_past_due > 30 THEN 'hard' ELSE collection_collectioncase.stage END
            FROM loans_loan l
            WHERE l.id = collection_collectioncase.loan_id
              AND collection_collectioncase.stage IN {OPEN_STAGES} AND l.status = 'overdue'
            """  # noqa: S608 (constants only)
        )
        refreshed = max(cursor.rowcount, 0)
        # A card's arrears are interest first (`cards.allocation.overdue_parts`); no fees.
        overdue_interest = least("l.overdue_kop", "l.interest_out_kop")
        overdue_principal = least(f"l.overdue_kop - {overdue_interest}", "l.principal_out_kop")
        cursor.execute(
            f"""
            UPDATE collection_collectioncase SET
                days_past_due = l.days_past_due,
                bucket = {BUCKET_SQL},
                overdue_principal_kop = {overdue_principal},
                overdue_interest_kop = {overdue_interest},
                penalty_kop = l.penalty_out_kop,
                fees_kop = 0,
                debt_kop = l.principal_out_kop + l.interest_out_kop + l.penalty_out_kop,
                stage = CASE WHEN collection_collectioncase.stage = 'soft'
                    AND l.days_past_due > 30 THEN 'hard' ELSE collection_collectioncase.stage END
            FROM loans_creditline l
            WHERE l.id = collection_collectioncase.credit_line_id
              AND collection_collectioncase.stage IN {OPEN_STAGES} AND l.overdue_kop > 0
            """  # noqa: S608 (constants only)
        )
        refreshed += max(cursor.rowcount, 0)
    for case in CollectionCase.objects.filter(pk__in=moved):
        services.case_restrategize(case=case)
    return refreshed


def step_close_cases(on: date, at: datetime) -> int:
    """Close the cases whose loan is settled: repaid, back on schedule, restructured, written
    off (a sale of the debt is a write-off in the loan core)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE collection_collectioncase SET
                stage = 'closed',
                closed_on = %s,
                closing_reason = CASE l.status WHEN 'closed' THEN 'paid_in_full'
                    WHEN 'written_off' THEN 'written_off'
                    ELSE CASE WHEN l.restructured THEN 'restructured' ELSE 'cured' END END,
                next_action = 'none',
                next_action_on = NULL
            FROM loans_loan l
            WHERE l.id = collection_collectioncase.loan_id
              AND collection_collectioncase.stage IN {OPEN_STAGES}
              AND l.status IN ('closed', 'written_off', 'serviced')
            """,  # noqa: S608 (constants only)
            [_date(on)],
        )
        closed = max(cursor.rowcount, 0)
        # A card whose arrears are paid is cured (paid in full once it is closed); its case
        # shows the debt left, none of it overdue.
        cursor.execute(
            f"""
            UPDATE collection_collectioncase SET
                stage = 'closed',
                closed_on = %s,
                closing_reason = CASE l.status WHEN 'closed' THEN 'paid_in_full' ELSE 'cured' END,
                next_action = 'none',
                next_action_on = NULL,
                days_past_due = 0,
                overdue_principal_kop = 0,
                overdue_interest_kop = 0,
                debt_kop = l.principal_out_kop + l.interest_out_kop + l.penalty_out_kop
            FROM loans_creditline l
            WHERE l.id = collection_collectioncase.credit_line_id
              AND collection_collectioncase.stage IN {OPEN_STAGES}
              AND (l.overdue_kop = 0 OR l.status = 'closed')
            """,  # noqa: S608 (constants only)
            [_date(on)],
        )
        return closed + max(cursor.rowcount, 0)


def _paid(payments, debt: str) -> Subquery:
    return Subquery(payments.values(debt).annotate(total=Sum("amount_kop")).values("total"))


def step_promises(on: date, at: datetime) -> int:
    """Pending promises: paid since made → kept; due date passed unpaid → broken. Either way
    the case's next action moves to tomorrow."""
    pending = PromiseToPay.objects.filter(status=PromiseStatus.PENDING)
    since_made = {"business_date__gte": OuterRef("made_on"), "business_date__lte": on}
    loan_paid = _paid(
        IncomingPayment.objects.filter(loan__collection_cases=OuterRef("case_id"), **since_made),
        "loan_id",
    )
    card_paid = _paid(
        CreditLineRepayment.objects.filter(
            credit_line__collection_cases=OuterRef("case_id"), **since_made
        ),
        "credit_line_id",
    )
    pending.update(paid_kop=Coalesce(loan_paid, 0) + Coalesce(card_paid, 0))
    kept = pending.filter(paid_kop__gte=F("amount_kop")).update(
        status=PromiseStatus.KEPT, resolved_on=on
    )
    broken = pending.filter(promised_on__lte=on).update(status=PromiseStatus.BROKEN, resolved_on=on)
    CollectionCase.objects.filter(
        OPEN_CASE,
        promises__resolved_on=on,
        promises__status__in=(PromiseStatus.KEPT, PromiseStatus.BROKEN),
    ).update(next_action=NextAction.CALL, next_action_on=on + timedelta(days=1))
    return kept + broken


def step_pre_collection(on: date, at: datetime) -> int:
    """Plan a reminder for each loan due in the next N days that is likely to be late, at
    the first moment the contact rules allow a message to its borrower from `at`."""
    first, last = (
        on + timedelta(days=1),
        on + timedelta(days=settings.COLLECTION_PRECOLLECTION_DAYS),
    )
    candidates = loan_facts(
        Loan.objects.filter(
            status=LoanStatus.SERVICED, next_due_date__gte=first, next_due_date__lte=last
        )
        .exclude(
            pk__in=PreCollectionReminder.objects.filter(due_date=F("loan__next_due_date")).values(
                "loan_id"
            )
        )
        .select_related("borrower")
        .order_by("pk")
    )
    loans = list(candidates)
    probabilities, method = lateness_probabilities(loans)
    threshold = settings.COLLECTION_PRECOLLECTION_THRESHOLD
    planned = 0
    for loan, probability in zip(loans, probabilities, strict=True):
        if probability < threshold:
            continue
        verdict = contact_allowed(case_or_borrower=loan.borrower, channel=Channel.SMS, at=at)
        send_at = at if verdict.allowed else verdict.next_allowed_at
        PreCollectionReminder.objects.create(
            loan=loan,
            due_date=loan.next_due_date,
            lateness_probability=probability,
            method=method,
            send_at=send_at or at,
            status=ReminderStatus.PLANNED if send_at else ReminderStatus.REFUSED,
            reason="" if send_at else verdict.reason[:300],
            created_on=on,
        )
        planned += 1
    return planned


STEPS: list[tuple[str, Callable[[date, datetime], int]]] = [
    ("open_cases", step_open_cases),
    ("refresh_cases", step_refresh_cases),
    ("close_cases", step_close_cases),
    ("promises", step_promises),
    ("pre_collection", step_pre_collection),
]


class DayNotClosed(DomainError):
    code = "day_not_closed"


def run_collection_day(*, on: date, at: datetime | None = None) -> CollectionDay:
    """Run the steps for a date the loan core closed; a date already done is not run again."""
    done = CollectionDay.objects.filter(business_date=on).first()
    if done is not None:
        return done
    if not CobRun.objects.filter(business_date=on, finished_at__isnull=False).exists():
        raise DayNotClosed(f"The loan core has not closed {on.isoformat()} yet")
    at = at or timezone.now()
    with transaction.atomic():
        timings = {}
        for name, step in STEPS:
            started = time.perf_counter()
            rows = step(on, at)
            timings[name] = {"rows": rows, "seconds": round(time.perf_counter() - started, 3)}
        return CollectionDay.objects.create(
            business_date=on, finished_at=timezone.now(), steps=timings
        )


def run_pending_days(*, at: datetime | None = None) -> list[CollectionDay]:
    """Every day the loan core closed since collection last ran, in order. The first run
    takes only the latest closed day: reminders for past days would come too late."""
    closed = CobRun.objects.filter(finished_at__isnull=False).order_by("business_date")
    last = CollectionDay.objects.order_by("-business_date").first()
    if last is not None:
        dates = list(closed.filter(business_date__gt=last.business_date))
    else:
        dates = list(closed.reverse()[:1])
    return [run_collection_day(on=run.business_date, at=at) for run in dates]
