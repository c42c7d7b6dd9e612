#!/usr/bin/env python
"""Benchmark close-of-business over N live loans, one day or D consecutive days.

    DEBUG=1 .venv/bin/python bench/cob.py --loans N [--days D] [--history-days H]
        [--database-url URL] [--keep]

Works in a database of its own, never the developer's: a temporary SQLite file, or, when the
URL (or DATABASE_URL) points at PostgreSQL, a database `zaymer_bench` (or `--bench-db NAME`)
on the same server that is dropped and created. It migrates it, builds N live loans with
set-based SQL (bench/cob_book.py, from the plan of bench/cob_plan.py), times a bare
single-statement UPDATE over the same rows, then closes D consecutive days with
`loans.cob.close_next_day` (bench/cob_days.py): before each night after the first, the
repayments due that day are made and new loans are signed. After every night each loan's state
is checked against the per-loan rules of `loans.servicing` and the day's journal is proved
against the trial balance of the day before; the whole ledger is proved at the end (up to
200 000 loans). See bench/README.md.
"""

import argparse
import os
import platform
import re
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchdb import Sql, prepare_database, setup_django  # noqa: E402  (bench/ is on sys.path)
from cob_book import Timer, build_portfolio, load_plan  # noqa: E402
from cob_days import LIVE_WHERE, close_night, daytime, night_line  # noqa: E402
from cob_plan import (  # noqa: E402
    BENCH_DATE,
    assign_slots,
    build_combos,
    build_templates,
    create_products,
    signing_limits,
)
from cob_schema import (  # noqa: E402
    detach_indexes,
    detach_sqlite_indexes,
    reset_sequences,
    schema_signature,
)

BENCH_DB = "zaymer_bench"
LEDGER_CHECK_MAX = 200_000
NEW_LOANS_SHARE = 0.01  # of the book, signed each later day (as many as the book's "new")
BARE_UPDATE = (
    "UPDATE loans_loan SET interest_out_kop = interest_out_kop + 1"
    " WHERE status IN ('serviced','overdue')"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, required=True, help="live loans to build")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="postgres://… to run on that server (in database --bench-db); default SQLite",
    )
    parser.add_argument(
        "--bench-db",
        default=BENCH_DB,
        metavar="NAME",
        help=f"PostgreSQL: the database to drop, create and use (default {BENCH_DB}); give each"
        " engineer sharing a server a name of their own",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=1,
        metavar="D",
        help="consecutive business days to close, from 2026-12-01 (default 1)",
    )
    parser.add_argument(
        "--history-days",
        type=int,
        default=0,
        metavar="H",
        help="build the book with the daily accrual entries of its last H days (as H nights"
        " of COB would have left them) instead of one summed entry per loan",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the bench database afterwards (to inspect it)"
    )
    parser.add_argument(
        "--schema-sql",
        action="append",
        default=[],
        metavar="SQL",
        help="what-if DDL run after migrating, before loading (repeatable), e.g."
        " 'ALTER TABLE loans_loan SET (fillfactor = 50)'; listed in the results",
    )
    args = parser.parse_args(argv)
    if args.loans < 1:
        parser.error("--loans must be at least 1")
    if not 1 <= args.days <= 30:  # 2026-12-01 … 12-30, before the New Year holidays
        parser.error("--days must be between 1 and 30")
    if args.history_days < 0:
        parser.error("--history-days must not be negative")
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.bench_db):
        parser.error("--bench-db must be a plain lower-case name (letters, digits, _)")
    return args


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    ram = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return {"cpus": str(os.cpu_count()), "cpu": cpu, "ram": ram, "load": load}


def database_description(cursor, vendor: str) -> str:
    if vendor == "postgresql":
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        settings = []
        for name in ("shared_buffers", "work_mem", "synchronous_commit", "max_wal_size"):
            cursor.execute(f"SHOW {name}")
            settings.append(f"{name}={cursor.fetchone()[0]}")
        return f"PostgreSQL {version} ({', '.join(settings)})"
    return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"


def table_size(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_relation_size('loans_loan'))")
        else:
            cursor.execute(
                "SELECT ((SELECT page_count FROM pragma_page_count())"
                " * (SELECT page_size FROM pragma_page_size()) / 1048576) || ' MB (whole file)'"
            )
        return cursor.fetchone()[0]


def rate(loans: int, seconds: float) -> str:
    return f"{loans / seconds:,.0f}" if seconds > 0 else "∞"


def build_book(connection, sql: Sql, args, templates, combos, limits) -> float:
    """Build the book in one transaction with the bulk tables' indexes off; returns seconds."""
    from django.db import transaction

    timer = Timer()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        load_plan(cursor, sql, templates, combos, limits, history_days=args.history_days)
        print(f"  build plan tables {time.perf_counter() - started:24.2f} s", flush=True)
        schema = schema_signature(cursor, sql)
        if sql.pg:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            reattach = detach_indexes(cursor)
        else:
            cursor.execute("PRAGMA cache_size = -1048576")  # 1 GiB while building
            reattach = detach_sqlite_indexes(cursor)
        build_portfolio(cursor, sql, args.loans, timer, history_days=args.history_days)
        for kind in ("CREATE", "ALTER"):
            ddl = [statement for statement in reattach if statement.startswith(kind)]
            label = "indexes" if kind == "CREATE" else "unique + foreign keys"
            if ddl and sql.pg:
                timer.run(cursor, label, ";\n".join(ddl))
            elif ddl:  # SQLite's driver runs one statement at a time
                started_ddl = time.perf_counter()
                for statement in ddl:
                    cursor.execute(statement)
                seconds = time.perf_counter() - started_ddl
                print(f"  build {label:<22} {len(ddl):>10,} idx  {seconds:8.2f} s", flush=True)
        assert schema_signature(cursor, sql) == schema, "indexes or constraints not restored"
        if not sql.pg:
            cursor.execute("PRAGMA cache_size = -2000")  # SQLite's default again for the COB
        reset_sequences(cursor)
    with connection.cursor() as cursor:
        if sql.pg:  # hint bits and visibility map set, as on a table in daily use
            timer.run(cursor, "vacuum loans", "VACUUM loans_loan")
        timer.run(cursor, "analyze", "ANALYZE")
    return time.perf_counter() - started


def bare_update(connection, sql: Sql) -> tuple[float, int]:
    """The floor, on the very table the COB will meet, rolled back; VACUUM then removes its
    dead row versions (and truncates the pages they took)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(BARE_UPDATE)
        seconds = time.perf_counter() - started
        rows = cursor.rowcount
        transaction.set_rollback(True)
    if sql.pg:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM loans_loan")
    return seconds, rows


def checkpoint(connection) -> None:
    """The build leaves gigabytes of dirty pages for the checkpointer to write; a night's COB
    meets a database that has had its checkpoint since the day's work, so the timed days start
    after one too (needs superuser or pg_checkpoint; else skipped)."""
    from django.db import DatabaseError

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
        print(f"  checkpoint before COB {time.perf_counter() - started:.1f} s", flush=True)
    except DatabaseError as error:
        print(f"  no checkpoint before COB: {error}", flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    n = args.loans
    db = prepare_database(args.database_url, name=args.bench_db)
    setup_django(db)

    from django.core.management import call_command
    from django.db import connection, transaction

    from loans.business_date import set_business_date
    from loans.ledger import loans_out_of_balance, unbalanced_entry_keys

    sql = Sql(connection.vendor)
    failures = []
    try:
        print(f"bench database: {db.where}", flush=True)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            for statement in args.schema_sql:
                print(f"  what-if: {statement}", flush=True)
                cursor.execute(statement)
        print(f"  migrate {time.perf_counter() - started:.1f} s", flush=True)

        started = time.perf_counter()
        products = create_products()
        limits = signing_limits(args.days)
        templates = build_templates(products, limits)
        combos = build_combos(templates, args.days)
        assign_slots(combos)
        print(
            f"  plan: {len(templates)} contract templates, {len(combos):,} loan states"
            f" lived in Python over {args.days} day(s) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        build_s = build_book(connection, sql, args, templates, combos, limits)
        print(f"  built {n:,} loans in {build_s:.1f} s", flush=True)

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN next_due_date = %s THEN 1 ELSE 0 END)"
                f" FROM loans_loan WHERE {LIVE_WHERE}",
                [BENCH_DATE],
            )
            live, overdue, due_today = cursor.fetchone()
            cursor.execute(
                "SELECT p.kind, COUNT(*) FROM loans_loan l JOIN loans_product p"
                " ON p.id = l.product_id GROUP BY p.kind ORDER BY p.kind"
            )
            kinds = dict(cursor.fetchall())
            cursor.execute("SELECT COUNT(*) FROM loans_scheduleitem")
            items = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM loans_journalentry")
            entries = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM loans_journalline")
            lines = cursor.fetchone()[0]
            database = database_description(cursor, connection.vendor)
        assert live == n, (live, n)
        print(
            f"  portfolio: {live:,} live loans ({kinds.get('pdl', 0):,} PDL,"
            f" {kinds.get('il', 0):,} IL), {overdue:,} overdue ({overdue / n:.1%}),"
            f" {due_today:,} due on {BENCH_DATE} ({due_today / n:.1%}), {items:,} schedule items,"
            f" {entries:,} journal entries, {lines:,} lines",
            flush=True,
        )

        size_before = table_size(connection)
        bare_s, bare_rows = bare_update(connection, sql)
        print(f"bare UPDATE of {bare_rows:,} loans: {bare_s:.2f} s ({rate(n, bare_s)} loans/s)")
        print(f"  loans table: {size_before} before, {table_size(connection)} for the COB")

        set_business_date(on=BENCH_DATE)
        from loans.trial_balance import store_trial_balance

        started = time.perf_counter()
        balances = store_trial_balance(on=BENCH_DATE - timedelta(days=1))
        print(
            f"  trial balance of the day before: {balances:,} balances from the whole journal"
            f" in {time.perf_counter() - started:.2f} s (the nights then read one day each)",
            flush=True,
        )
        if sql.pg:
            checkpoint(connection)
        info = machine()  # the load average just before the timed day (other work skews it)
        print(f"COB from {BENCH_DATE}, {args.days} day(s), over {n:,} live loans …", flush=True)
        nights = []
        new_loans = max(1, round(n * NEW_LOANS_SHARE))
        for day in range(args.days):
            repaid = closed = signed = 0
            if day:
                with transaction.atomic(), connection.cursor() as cursor:
                    repaid, closed, signed = daytime(cursor, sql, day=day, new_loans=new_loans)
            night = close_night(connection, sql, day=day)
            night.repaid, night.closed, night.signed = repaid, closed, signed
            nights.append(night)
            print(night_line(night), flush=True)
            failures += [f"day {day + 1}: {wrong}" for wrong in night.wrong_rows]
            if night.wrong_states:
                failures.append(f"day {day + 1}: {night.wrong_states:,} loans differ")
            if night.steps.get("daily_proof", {}).get("rows"):
                failures.append(f"day {day + 1}: the daily ledger proof found differences")

        first = nights[0]
        for name, step in first.steps.items():
            print(
                f"  {name:<14} {step['rows']:>10,} rows {step['seconds']:8.2f} s"
                f" {rate(n, step['seconds']):>12} loans/s",
                flush=True,
            )
        cob_s = first.seconds
        commit_s = cob_s - sum(step["seconds"] for step in first.steps.values())
        print(f"  {'(commit etc.)':<14} {'':>10}      {commit_s:8.2f} s", flush=True)
        print(f"  {'whole day':<14} {'':>10}      {cob_s:8.2f} s {rate(n, cob_s):>12} loans/s")
        state_check = ", ".join(f"{night.wrong_states:,}" for night in nights)
        state_check = f"loans differing from loans.servicing after each night: {state_check}"

        if n <= LEDGER_CHECK_MAX:
            started = time.perf_counter()
            bad_loans = loans_out_of_balance()
            bad_entries = unbalanced_entry_keys()
            ledger_s = time.perf_counter() - started
            ledger = (
                f"{len(bad_loans)} loans out of balance, {len(bad_entries)} unbalanced entries"
                f" ({ledger_s:.1f} s, after the last night)"
            )
            if bad_loans or bad_entries:
                failures.append(f"ledger: {ledger}; loans {bad_loans[:10]}")
        else:
            ledger = f"skipped (over {LEDGER_CHECK_MAX:,} loans)"
        print(f"  ledger check: {ledger}", flush=True)

        ratio = cob_s / bare_s if bare_s else float("inf")
        print(f"COB day / bare UPDATE: {ratio:.1f}×")
        goal = ""
        if sql.pg and n >= 1_000_000:
            goal = " (goal < 60 s: " + ("met" if cob_s < 60 else "NOT met") + ")"
        rows = [
            ("machine", f"{info['cpus']} CPUs, {info['cpu']}, {info['ram']} RAM"),
            ("load average before COB (1/5/15 min)", info["load"]),
            ("database", database),
            ("what-if schema changes", "; ".join(args.schema_sql) or "none: schema as migrated"),
            ("live loans", f"{n:,} ({overdue:,} overdue, {due_today:,} due on {BENCH_DATE})"),
            (
                "ledger before COB",
                f"{entries:,} entries, {lines:,} lines; {items:,} schedule items"
                + (f" ({args.history_days} days of daily accruals)" if args.history_days else ""),
            ),
            ("build (incl. VACUUM/ANALYZE)", f"{build_s:.1f} s"),
        ]
        for name, step in first.steps.items():
            rows.append(
                (
                    f"COB step {name}",
                    f"{step['rows']:,} rows, {step['seconds']:.2f} s, "
                    f"{rate(n, step['seconds'])} loans/s",
                )
            )
        rows += [
            ("COB commit and bookkeeping", f"{commit_s:.2f} s"),
            ("COB day, whole", f"**{cob_s:.2f} s, {rate(n, cob_s)} loans/s**{goal}"),
            ("bare single-statement UPDATE", f"{bare_rows:,} rows, {bare_s:.2f} s"),
            ("COB day / bare UPDATE", f"**{ratio:.1f}×**"),
        ]
        if len(nights) > 1:
            last = nights[-1]
            rows += [
                (
                    f"COB day {last.day + 1} / day 1",
                    f"**{last.seconds / first.seconds:.2f}×** ({last.seconds:.2f} s)",
                ),
                (f"COB day {last.day + 1} / bare UPDATE", f"{last.seconds / bare_s:.1f}×"),
            ]
        rows += [("state check vs loans.servicing", state_check), ("ledger check", ledger)]
        print()
        print("| | |")
        print("|---|---|")
        for key, value in rows:
            print(f"| {key} | {value} |")
        print()
        if len(nights) > 1:
            print_nights(nights)
        if failures:
            print("FAILED: " + "; ".join(failures))
            return 1
        return 0
    finally:
        connection.close()
        if args.keep:
            print(f"kept the bench database: {db.where}")
        else:
            db.drop()


def print_nights(nights) -> None:
    print(
        "| day | date | seconds | ÷ day 1 | rows | repaid | closed | signed | live loans |"
        " journal entries | lines | MiB | daily proof: findings, s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for night in nights:
        mib = f"{night.journal_mib:,.1f}" if night.journal_mib is not None else "–"
        proof = night.steps.get("daily_proof")
        proof = f"{proof['rows']}, {proof['seconds']:.2f}" if proof else "–"
        print(
            f"| {night.day + 1} | {night.on} | {night.seconds:.2f} |"
            f" {night.seconds / nights[0].seconds:.2f} | {night.rows:,} | {night.repaid:,} |"
            f" {night.closed:,} | {night.signed:,} | {night.live:,} | {night.entries:,} |"
            f" {night.lines:,} | {mib} | {proof} |"
        )
    print()


if __name__ == "__main__":
    sys.exit(main())
