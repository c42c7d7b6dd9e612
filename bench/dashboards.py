#!/usr/bin/env python
"""Time the business dashboards over a book of N loans.

    DEBUG=1 .venv/bin/python bench/dashboards.py --loans 1000000 [--database-url URL] [--keep]

Works in a database of its own (`zaymer_bench_dash` on the PostgreSQL server the URL names,
dropped and created; else a temporary SQLite file). It migrates it and fills it with
set-based SQL: N applications over the year before the business date, a quarter of a borrower
per loan, in every status (rejected, cancelled, closed, serviced, overdue, written off), with
their scoring and decision transitions, one original schedule item, a payout, overdue episodes
(some cured before 30 days, some after), collection cases with payments, and surveys. The
shapes are fixed fractions of N, not a simulation of lending: the bench times the SQL of the
figures, not their meaning (tests/zaymer/test_dashboards.py pins that).

It then times each figure of `/dashboards/` as aggregated from the book (median of three runs),
the nightly run's snapshot of every figure for every period, and the page for the 30-day and
365-day periods through Django's test client, served from that snapshot, with its SQL queries.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import Sql, prepare_database, setup_django  # noqa: E402  (bench/ is on sys.path)

BENCH_DB = "zaymer_bench_dash"
ON = date(2026, 12, 1)  # the open business date
START = ON - timedelta(days=365)
RUNS = 3

# Status by r = (i × 19) mod 100: the ids spread evenly over 0..99.
STATUS = (
    "CASE WHEN {r} < 15 THEN 'rejected' WHEN {r} < 19 THEN 'cancelled'"
    " WHEN {r} < 22 THEN 'written_off' WHEN {r} < 30 THEN 'overdue'"
    " WHEN {r} < 45 THEN 'serviced' ELSE 'closed' END"
)
# Days after START the application came: live loans are recent, closed ones any time.
APPLIED_DAY = (
    "CASE WHEN {r} >= 30 AND {r} < 45 THEN 335 + {i} % 30"
    " WHEN {r} >= 19 AND {r} < 30 THEN 185 + {i} % 150 ELSE {i} % 330 END"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    return parser.parse_args(argv)


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "'{}'"
    return "'" + str(value).replace("'", "''") + "'"


def insert_select(cursor, model, values: dict[str, str], source: str, with_: str = "") -> int:
    """INSERT INTO the model's table one row per row of `source`: `values` maps field names to
    SQL; every other field gets its default (or NULL)."""
    columns, expressions = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in values:
            expressions.append(values[field.name])
        elif field.null:
            expressions.append("NULL")
        else:
            default = field.get_default()
            if default is None:
                raise SystemExit(f"{model.__name__}.{field.name} needs a value")
            expressions.append(literal(default))
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"{with_}SELECT {', '.join(expressions)} FROM {source}"
    )
    return cursor.rowcount


def build_book(n: int, sql: Sql) -> dict[str, int]:
    from django.db import connection, transaction

    from collection.models import CollectionCase
    from demo.products import ensure_products
    from feedback.models import Survey
    from loans.models import (
        Borrower,
        IncomingPayment,
        JournalEntry,
        Loan,
        PayoutOrder,
        Product,
        Region,
        ScheduleItem,
        TransitionLog,
    )

    ensure_products()
    product = Product.objects.get(code="pdl30")
    region = Region.objects.order_by("pk").first()
    borrowers = max(1, n // 4)
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        with_, source = sql.series(borrowers)
        counts["borrowers"] = insert_select(
            cursor,
            Borrower,
            {
                "full_name": "'Bench Borrower ' || i",
                "birth_date": literal(date(1990, 1, 1)),
                "phone": "'+7900' || " + sql.pad("i", 7),
                "passport_series": "'4510'",
                "passport_number": sql.pad("i", 6),
                "region": str(region.pk),
                "time_zone": "'Europe/Moscow'",
                "employment": "'employed'",
                "declared_income_kop": "6000000",
                "created_at": sql.plus_seconds(sql.day(START, "0"), "0"),
                "updated_at": sql.plus_seconds(sql.day(START, "0"), "0"),
            },
            source,
            with_,
        )
        first_borrower = Borrower.objects.order_by("pk").values_list("pk", flat=True).first()

        r, i = "(((i % 100) * 19) % 100)", "i"
        status = STATUS.format(r=r)
        applied_day = APPLIED_DAY.format(r=r, i=i)
        applied = sql.plus_seconds(sql.day(START, applied_day), f"{i} % 80000")
        issued = f"{r} >= 19"
        issue_date = f"CASE WHEN {issued} THEN {sql.day(START, applied_day)} END"
        principal = "(300000 + (i % 30) * 100000)"
        live = f"({r} >= 19 AND {r} < 45)"
        dpd = f"CASE WHEN {r} >= 22 AND {r} < 30 THEN 335 - ({applied_day}) - 30 ELSE 0 END"
        with_, source = sql.series(n)
        counts["loans"] = insert_select(
            cursor,
            Loan,
            {
                "borrower": f"{first_borrower} + (i % {borrowers})",
                "product": str(product.pk),
                "status": status,
                "applied_at": applied,
                "updated_at": applied,
                "requested_amount_kop": principal,
                "requested_term_days": "30",
                "principal_kop": f"CASE WHEN {issued} THEN {principal} END",
                "daily_rate_ppm": f"CASE WHEN {issued} THEN 8000 END",
                "term_days": f"CASE WHEN {issued} THEN 30 END",
                "penalty_mode": literal(product.penalty_mode),
                "signed_at": f"CASE WHEN {issued} THEN {applied} END",
                "signed_on": issue_date,
                "issue_date": issue_date,
                "principal_out_kop": f"CASE WHEN {live} THEN {principal} ELSE 0 END",
                "interest_out_kop": f"CASE WHEN {live} THEN {principal} / 4 ELSE 0 END",
                "days_past_due": f"CASE WHEN {dpd} > 0 THEN {dpd} ELSE 0 END",
                "closed_on": f"CASE WHEN {r} >= 45 THEN {sql.add_days(issue_date, '30')} END",
            },
            source,
            with_,
        )
        loan = "loans_loan l"
        lr = "(((l.id % 100) * 19) % 100)"
        l_issue = "l.issue_date"
        due = sql.add_days(l_issue, "30")
        counts["schedule items"] = insert_select(
            cursor,
            ScheduleItem,
            {
                "loan": "l.id",
                "seq": "1",
                "due_date": due,
                "principal_kop": "l.principal_kop",
                "interest_kop": "l.principal_kop * 24 / 100",
                "total_kop": "l.principal_kop * 124 / 100",
            },
            f"{loan} WHERE l.issue_date IS NOT NULL",
        )

        def log(transition, source_status, target, day_sql, where, *, robot=True) -> int:
            return insert_select(
                cursor,
                TransitionLog,
                {
                    "loan": "l.id",
                    "transition": literal(transition),
                    "source": literal(source_status),
                    "target": literal(target),
                    "actor_label": literal("system" if robot else "uw"),
                    "business_date": day_sql,
                    "at": sql.plus_seconds(day_sql, "0"),
                },
                f"{loan} WHERE {where}",
            )

        a_day = sql.to_date("l.applied_at")
        late = f"l.status IN ('overdue', 'written_off') OR (l.status = 'closed' AND {lr} % 5 = 0)"
        counts["transitions"] = sum(
            [
                log("score", "applied", "scored", a_day, "l.status <> 'cancelled'"),
                log("approve", "scored", "approved", a_day, "l.issue_date IS NOT NULL"),
                log("decline", "scored", "rejected", a_day, "l.status = 'rejected'"),
                log(
                    "miss_due_date",
                    "serviced",
                    "overdue",
                    sql.add_days(due, "1"),
                    late,
                ),
                log(
                    "cure",
                    "overdue",
                    "serviced",
                    sql.add_days(due, f"CASE WHEN {lr} % 2 = 0 THEN 11 ELSE 41 END"),
                    f"l.status = 'closed' AND {lr} % 5 = 0",
                ),
            ]
        )
        counts["payouts"] = insert_select(
            cursor,
            PayoutOrder,
            {
                "loan": "l.id",
                "attempt": "1",
                "method": "'card'",
                "card_token": "'tok_bench'",
                "card_last4": "'4242'",
                "amount_kop": "l.principal_kop",
                "status": "'succeeded'",
                "gateway_ref": "'bench-' || l.id",
                "created_at": "l.applied_at",
                "updated_at": sql.plus_seconds("l.applied_at", "300 + (l.id % 900)"),
            },
            f"{loan} WHERE l.issue_date IS NOT NULL",
        )
        counts["collection cases"] = insert_select(
            cursor,
            CollectionCase,
            {
                "loan": "l.id",
                "borrower": "l.borrower_id",
                "opened_on": sql.add_days(due, "1"),
                "stage": "CASE WHEN l.status = 'closed' THEN 'closed' ELSE 'soft' END",
                "closed_on": "CASE WHEN l.status = 'closed' THEN l.closed_on END",
                "days_past_due": "l.days_past_due",
                "bucket": "'1-30'",
                "debt_kop": "l.principal_out_kop + l.interest_out_kop",
                "recovery_probability": "0.5",
                "priority_kop": "l.principal_out_kop",
            },
            f"{loan} WHERE {late}",
        )
        paid_late = f"l.status = 'closed' AND {lr} % 5 = 0"
        pay_day = sql.add_days(due, "5")
        insert_select(
            cursor,
            JournalEntry,
            {
                "key": "'bench-pay-' || l.id",
                "kind": "'repayment'",
                "loan": "l.id",
                "business_date": pay_day,
                "created_at": sql.plus_seconds(pay_day, "0"),
            },
            f"{loan} WHERE {paid_late}",
        )
        counts["payments"] = insert_select(
            cursor,
            IncomingPayment,
            {
                "provider": "'bench'",
                "event_id": "'bench-' || l.id",
                "loan": "l.id",
                "amount_kop": "l.principal_kop",
                "business_date": pay_day,
                "received_at": sql.plus_seconds(pay_day, "0"),
                "entry": "e.id",
            },
            f"{loan} JOIN loans_journalentry e ON e.key = 'bench-pay-' || l.id WHERE {paid_late}",
        )
        counts["surveys"] = insert_select(
            cursor,
            Survey,
            {
                "loan": "l.id",
                "borrower": "l.borrower_id",
                "product": "l.product_id",
                "repeat": "TRUE",
                "repayment": "'on_time'",
                "offered_on": "l.closed_on",
                "offered_at": sql.plus_seconds("l.closed_on", "0"),
                "answered_at": sql.plus_seconds("l.closed_on", "3600"),
                "nps": "l.id % 11",
                "csat": "1 + l.id % 5",
                "stage": "'servicing'",
            },
            f"{loan} WHERE l.status = 'closed' AND l.id % 10 = 0",
        )
    return counts


def timed(call) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main(argv=None) -> int:
    args = parse_args(argv)
    db = prepare_database(args.database_url, name=BENCH_DB)
    setup_django(db)
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from loans.business_date import set_business_date
    from scoring.outcomes import bad_definition
    from zaymer import dashboards, portfolio

    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        set_business_date(on=ON)
        migrated = time.perf_counter() - started
        started = time.perf_counter()
        counts = build_book(args.loans, Sql(connection.vendor))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        built = time.perf_counter() - started

        since = ON - timedelta(days=30)
        bad_dpd, horizon = bad_definition()
        figures = {
            "issued by day (30 days)": lambda: portfolio.issued_by_day(since=since, until=ON),
            "portfolio at risk": portfolio.portfolio_at_risk,
            "outstanding balances": portfolio.outstanding_balances,
            "vintages": lambda: portfolio.vintages(on=ON, bad_dpd=bad_dpd, horizon_days=horizon),
            "approval funnel (30 days)": lambda: portfolio.approval_funnel(since=since),
            "time to money (30 days)": lambda: portfolio.time_to_money(since=since),
            "collection recovery": lambda: dashboards.collection_recovery(on=ON),
            "NPS and CSAT (365 days)": lambda: dashboards.satisfaction_by_month(
                since=ON - timedelta(days=365)
            ),
        }
        rows = [(name, *timed(call)) for name, call in figures.items()]

        started = time.perf_counter()
        dashboards.snapshots_build()
        nightly = time.perf_counter() - started

        user = User.objects.create_user("bench-risk", password="bench-" + "x" * 12)
        user.groups.add(Group.objects.get(name="risk_manager"))
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        pages = []
        for days in (30, 365):
            with CaptureQueriesContext(connection) as queries:
                ms, response = timed(lambda days=days: client.get(f"/dashboards/?days={days}"))
            assert response.status_code == 200, response.status_code
            pages.append((days, ms, len(queries) // RUNS))
    finally:
        connection.close()
        if not args.keep:
            db.drop()

    print(f"## Dashboards over {args.loans:,} loans — {db.vendor}\n")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    print(f"- load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"- migrate {migrated:.1f} s; book built in {built:.1f} s: "
        + ", ".join(f"{count:,} {name}" for name, count in counts.items())
    )
    print("\n| figure | median of 3, ms | rows |\n|---|---|---|")
    for name, ms, table in rows:
        print(f"| {name} | {ms:,.0f} | {len(table.rows)} |")
    print(
        f"\nThe nightly run's snapshot of every figure for the {len(dashboards.PERIODS)} periods "
        f"({', '.join(map(str, dashboards.PERIODS))} days): {nightly:.1f} s."
    )
    print("\n| page, served from the snapshot | median of 3, ms | SQL queries |\n|---|---|---|")
    for days, ms, queries in pages:
        print(f"| /dashboards/?days={days} | {ms:,.0f} | {queries} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
