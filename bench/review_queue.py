#!/usr/bin/env python
"""Benchmark the underwriting queue: the page with N applications in review, and claims.

    DEBUG=1 .venv/bin/python bench/review_queue.py [--tasks N] [--claimers 8] [--seconds 10]
                                            [--database-url URL]

Works in a database of its own (`zaymer_bench_queue` on the PostgreSQL server the URL names,
else a temporary SQLite file). It builds N referred applications with their review tasks
(bulk inserts, half new and half repeat borrowers, a tenth already past their deadline),
then:

1. renders the queue page in-process as a signed-in underwriter (plain, filtered, sorted, and
   the htmx refresh of the table), timing the server side and counting SQL queries;
2. runs `--claimers` processes that each take the next task with the service
   (`review_claim_next`) and close it, for `--seconds`, and reports claims per second and
   whether any task was handed out twice.
"""

import argparse
import multiprocessing
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchdb import prepare_database, setup_django  # bench/ is on sys.path as the script's folder

BENCH_DB = "zaymer_bench_queue"
PAGE_RUNS = 30
VIEWS = {
    "queue, default order": {},
    "filtered: new, late": {"segment": "new", "sla": "breached"},
    "sorted by amount": {"sort": "-amount"},
    "htmx table refresh": {"segment": "repeat", "_htmx": "1"},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--claimers", type=int, default=8, help="at most 64")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args(argv)
    if args.tasks < 1 or not 1 <= args.claimers <= 64 or args.seconds <= 0:
        parser.error("--tasks must be at least 1, --claimers 1 to 64, --seconds positive")
    return args


def build(tasks: int) -> None:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from loans.business_date import set_business_date
    from loans.models import Borrower, Loan, Product, Region
    from underwriting.models import ReviewTask

    call_command("migrate", verbosity=0)
    set_business_date(on=timezone.localdate())
    region = Region.objects.get(code="77")
    product = Product.objects.create(
        code="pdl30", name="PDL", kind="pdl", min_amount_kop=100_000, max_amount_kop=3_000_000,
        min_term_days=5, max_term_days=30, daily_rate_ppm=8000,
        penalty_mode="annual_20_with_interest", max_prolongations=3,
    )  # fmt: skip
    password = make_password("bench-password")  # hashed once: hashing is slow by design
    users = User.objects.bulk_create(User(username=f"uw{n}", password=password) for n in range(64))
    Group.objects.get(name="underwriter").user_set.add(*users)
    now = timezone.now()
    batch = 5000
    for start in range(0, tasks, batch):
        count = min(batch, tasks - start)
        borrowers = Borrower.objects.bulk_create(
            Borrower(
                full_name=f"Заёмщик {start + i}", birth_date="1990-01-01",
                phone=f"+79{start + i:09d}", passport_series="4510",
                passport_number=f"{start + i:06d}"[-6:] if start + i < 10**6 else "000000",
                region=region, time_zone="Europe/Moscow", employment="employed",
                declared_income_kop=8_000_000,
            )
            for i in range(count)
        )  # fmt: skip
        loans = Loan.objects.bulk_create(
            Loan(
                borrower=b, product=product, status="in_review",
                requested_amount_kop=100_000 + (start + i) % 29 * 100_000, requested_term_days=30,
            )
            for i, b in enumerate(borrowers)
        )  # fmt: skip
        ReviewTask.objects.bulk_create(_task(loan, start + i, now) for i, loan in enumerate(loans))
    # A table loaded in one go has no statistics yet (production's autovacuum would have them).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _task(loan, n: int, now):
    from underwriting.models import ReviewTask

    segment = "new" if n % 2 else "repeat"
    created = now - timedelta(seconds=n % 900)
    late = n % 10 == 0
    due = now - timedelta(minutes=1) if late else created + timedelta(minutes=10 + n % 50)
    return ReviewTask(
        loan=loan, product_id=loan.product_id, amount_kop=loan.requested_amount_kop,
        term_days=loan.requested_term_days, segment=segment, created_at=created, due_at=due,
        warn_at=due - timedelta(minutes=3), robot_limit_kop=loan.requested_amount_kop,
        pd=(n % 97) / 100, points=500 + n % 200,
        reasons=[{"code": "R1", "text": "Много запросов в БКИ"}],
    )  # fmt: skip


def time_pages() -> list[tuple[str, float, float, int]]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="uw0"))
    rows = []
    for name, params in VIEWS.items():
        params = dict(params)
        headers = {}
        if params.pop("_htmx", None):
            headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-table"}
        client.get("/underwriting/", params, **headers)  # warm
        timings = []
        for _ in range(PAGE_RUNS):
            started = time.perf_counter()
            response = client.get("/underwriting/", params, **headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get("/underwriting/", params, **headers)
        p95 = statistics.quantiles(timings, n=20)[-1]
        rows.append((name, statistics.median(timings), p95, len(queries)))
    return rows


def claimer(n: int, seconds: float, results) -> None:
    from django.contrib.auth.models import User
    from django.db import connections
    from django.utils import timezone

    from underwriting.models import ReviewTask, TaskStatus
    from underwriting.services import review_claim_next

    connections.close_all()
    user = User.objects.get(username=f"uw{n}")
    claimed = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        task = review_claim_next(actor=user)
        if task is None:
            break
        claimed.append(task.pk)
        # Close it without the loan's decision, so that the claim itself is what is timed.
        ReviewTask.objects.filter(pk=task.pk).update(
            status=TaskStatus.DECIDED, in_queue=False, verdict="decline", decided_at=timezone.now()
        )
    connections.close_all()
    results.put(claimed)


def time_claims(claimers: int, seconds: float) -> tuple[int, float, int]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=claimer, args=(n, seconds, results)) for n in range(claimers)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    claimed = [pk for _ in workers for pk in results.get()]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    return len(claimed), elapsed, len(claimed) - len(set(claimed))


def main(argv=None) -> None:
    args = parse_args(argv)
    db = prepare_database(args.database_url, name=BENCH_DB)
    try:
        setup_django(db)
        started = time.perf_counter()
        build(args.tasks)
        print(f"built {args.tasks} review tasks in {time.perf_counter() - started:.1f} s")
        pages = time_pages()
        claims, elapsed, duplicates = time_claims(args.claimers, args.seconds)
    finally:
        db.drop()
    print(f"\n## Underwriting queue — {db.vendor}, {args.tasks} applications in review")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print("\n| page | server p50 ms | p95 ms | SQL queries |\n|---|---:|---:|---:|")
    for name, p50, p95, queries in pages:
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {queries} |")
    print(
        f"\n| claimers | claims | seconds | claims/s | duplicates |\n|---:|---:|---:|---:|---:|\n"
        f"| {args.claimers} | {claims} | {elapsed:.1f} | {claims / elapsed:.0f} | {duplicates} |"
    )
    if duplicates:
        raise SystemExit(f"{duplicates} tasks were handed out twice")


if __name__ == "__main__":
    main()
