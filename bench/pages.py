#!/usr/bin/env python
"""Time every staff page of every role on the demo's data: server time at p50 and p95, SQL
statements, and each page's ratio to the server's floor (the sign-in page, no query).

    DEBUG=1 .venv/bin/python bench/pages.py [--runs 15] [--database-url URL]
    DEBUG=1 .venv/bin/python bench/pages.py --existing sqlite:///db.sqlite3

Without `--existing` it builds what `make run` builds, in a database of its own
(`zaymer_bench_pages` on the PostgreSQL server the URL names, else a temporary SQLite file):
the migrations, `seed_demo`, `ensure_champion`, `open_review_tasks` and `nightly`. With
`--existing URL` it reads a database already seeded (the one `make run` made, say) and
changes nothing in it but the bench's own sign-ins. Pages are rendered in-process with
Django's test client, in Russian, as a signed-in member of each role; the administrator
passes the admin's second factor with a code from its own TOTP device.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchdb import BenchDb, prepare_database, setup_django  # bench/ is on sys.path

BENCH_DB = "zaymer_bench_pages"
PREFIX = "bench_pages_"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="requests per page")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--existing", default="", help="a seeded database to read instead")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    return args


def build() -> None:
    from django.core.management import call_command

    report = Path(tempfile.mkdtemp(prefix="zaymer_pages_")) / "application-report.json"
    for command, options in (
        ("migrate", {"interactive": False, "verbosity": 0}),
        ("seed_demo", {"once": True}),
        ("ensure_champion", {"report": str(report)}),
        ("open_review_tasks", {}),
        ("nightly", {}),
    ):
        call_command(command, **options)


def members() -> dict[str, object]:
    """One bench user per role (re-used on a second run), the administrator with a TOTP key."""
    from django.contrib.auth.models import Group, User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kernel.roles import ADMINISTRATOR, ROLES

    users = {}
    for role in ROLES:
        user, _ = User.objects.get_or_create(username=f"{PREFIX}{role}")
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        if role == ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
        users[role] = user
    return users


def pages() -> tuple[dict[str, list[tuple[str, str]]], dict[str, object]]:
    """(label, path) per role, with ids taken from the data, and the users who must read them
    (a collector sees only the cases assigned to them)."""
    from collection.models import CollectionCase
    from loans.models import Borrower, Loan
    from underwriting.models import ReviewTask

    task = ReviewTask.objects.order_by("-pk").first()
    case = (
        CollectionCase.objects.filter(closed_on__isnull=True, collector__isnull=False)
        .select_related("collector")
        .order_by("pk")
        .first()
    )
    loan = Loan.objects.order_by("-pk").first()
    borrower = (
        Borrower.objects.filter(loans__isnull=False).order_by("-pk").first()
        or Borrower.objects.order_by("pk").first()
    )
    desk = [("desk: search", "/desk/")]
    if borrower:
        desk.append(("desk: borrower's page", f"/desk/borrowers/{borrower.pk}/"))
    underwriter = [
        ("review queue", "/underwriting/"),
        ("review queue: new, by amount", "/underwriting/?segment=new&sort=-amount"),
    ]
    if task:
        underwriter.append(("dossier", f"/underwriting/tasks/{task.pk}/"))
    collector = [
        ("worklist", "/collection/"),
        ("worklist: callable now", "/collection/?callable=yes"),
        ("worklist: promise due today", "/collection/?promise=today"),
    ]
    if case:
        collector.append(("case", f"/collection/cases/{case.pk}/"))
    risk = [
        ("dashboards", "/dashboards/"),
        ("scoring monitoring", "/scoring/monitoring/"),
        ("bureau deadlines", "/bureaus/"),
        ("underwriting metrics", "/underwriting/metrics/"),
        ("audit trail", "/desk/audit/"),
    ]
    admin = [
        ("admin: index", "/admin/"),
        ("admin: loans", "/admin/loans/loan/"),
        ("admin: borrowers", "/admin/loans/borrower/"),
        ("admin: ledger entries", "/admin/loans/journalentry/"),
    ]
    if loan:
        admin.append(("admin: a loan", f"/admin/loans/loan/{loan.pk}/change/"))
    listed = {
        "underwriter": underwriter + desk,
        "collector": collector,
        "risk_manager": risk,
        "administrator": admin + desk,
    }
    return listed, {"collector": case.collector} if case else {}


def signed_in(user, role: str):
    from django.test import Client
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.cookies["django_language"] = "ru"
    client.force_login(user)
    if role == "administrator":
        device = TOTPDevice.objects.get(user=user, name="bench")
        otp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        otp.time = max(otp.time, (device.last_t + 1) * device.step + device.t0)  # codes are once
        code = f"{otp.token():0{device.digits}d}"
        client.post("/accounts/second-factor/", {"code": code, "next": "/admin/"})
    return client


def measure(client, path: str, runs: int) -> tuple[int, list[float], int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    times, status, queries = [], 0, 0
    for _ in range(runs):
        reset_queries()  # the log keeps 9 000 at most: a full one would count nothing
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = client.get(path)
            times.append(time.perf_counter() - started)
        status, queries = answer.status_code, len(captured)
    return status, times, queries


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.existing:
        db = BenchDb("existing", args.existing, args.existing)
    else:
        db = prepare_database(args.database_url, name=BENCH_DB)
    setup_django(db)
    from django.conf import settings
    from django.db import connection

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.disable(logging.WARNING)  # a line per request otherwise; the table says the status
    if not args.existing:
        started = time.perf_counter()
        build()
        print(f"built the demo in {time.perf_counter() - started:.0f} s")
    users = members()

    anonymous = signed_in(users["collector"], "collector")
    anonymous.logout()
    _, floor_times, _ = measure(anonymous, "/accounts/login/", args.runs * 2)
    floor = statistics.median(floor_times)

    print(f"\nDatabase: {connection.vendor} ({db.where}); {args.runs} requests per page")
    print(f"Floor (the sign-in page, no SQL): p50 {floor * 1000:.1f} ms\n")
    print("| role | page | status | SQL | p50 ms | p95 ms | ÷ floor |")
    print("|---|---|---|---|---|---|---|")
    failures = 0
    listed_pages, owners = pages()
    for role, listed in listed_pages.items():
        client = signed_in(owners.get(role) or users[role], role)
        for label, path in listed:
            status, times, queries = measure(client, path, args.runs)
            times.sort()
            p50 = statistics.median(times)
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            failures += status != 200
            print(
                f"| {role} | {label} | {status} | {queries} | {p50 * 1000:.1f} "
                f"| {p95 * 1000:.1f} | {p50 / floor:.0f}× |"
            )
    if db.drop and not args.existing:
        connection.close()
        db.drop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
