"""Borrower API speed: repeat borrowers apply, are approved at once and sign, concurrently.

    DEBUG=1 .venv/bin/python bench/api.py [--borrowers 1000] [--seconds 60] [--concurrency 4]
        [--workers 2] [--threads 1] [--floor-seconds 5] [--database-url postgres://...] [--keep]

Migrates a fresh database (a temporary SQLite file, or a `zaymer_bench_api` PostgreSQL
database, dropped and re-created, when given a URL; never the developer's database), seeds the
borrowers with the ORM, starts gunicorn on 127.0.0.1 with DEBUG off and the API throttles
lifted (API_THROTTLES_OFF), and drives the borrowers through submit → sign-code → sign over
HTTP from `--concurrency` client threads (none starts after `--seconds`); then, for
`--floor-seconds`, the same threads call the cheapest authenticated endpoint (GET /me/), the
server's floor. Prints a markdown table: completed applications per second, HTTP requests per
second, p50/p95/p99 per step, the floor.
See bench/README.md.
"""

import argparse
import atexit
import hashlib
import http.client
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project, so that `bench.benchdb` and the apps import alike

from bench.benchdb import prepare_database, setup_django, stop_process_group  # noqa: E402

BENCH_DB = "zaymer_bench_api"
AMOUNT_KOP = 500_000
TERM_DAYS = 30
STEPS = ("submit", "sign-code", "sign")
GOAL_APPLICATIONS_PER_S = 150
GOAL_SUBMIT_P95_MS = 100


# --- seeding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    phone: str
    token: str
    payout_method: int


def _clean_at_the_bureau(borrower, on) -> bool:
    """Would the sandbox bureau's (deterministic) report let the rules approve at once?"""
    from scoring.bureau import SandboxBureau, bureau_width

    report = SandboxBureau().report(borrower=borrower, as_of=on, width=bureau_width())
    return not (
        report.self_ban
        or report.identity_mismatch
        or report.open_high_psk_loans
        or report.open_loans > 1
        or report.delinquencies_30_24m
        or report.max_dpd_12m
        or report.inquiries_30d >= 3
    )


def seed(count: int) -> list[Client]:
    """Repeat borrowers (one loan repaid long ago) with a token, the consents and an account.

    No champion model is registered, so the rules policy decides: it approves a repeat
    borrower whose bureau report is clean; borrowers are picked so that theirs is.
    """
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from clientapi.models import ApiToken, ClientAccount, Consent, PayoutDestination
    from clientapi.selectors import CONSENT_DOCUMENT_VERSIONS
    from loans.business_date import current_business_date
    from loans.models import Borrower, Loan, LoanStatus, Region
    from tests.factories import DEMO_BIK, PdlProductFactory, RegionFactory, valid_account

    on = current_business_date()
    region = Region.objects.filter(code="77").first() or RegionFactory()
    product = PdlProductFactory()
    borrowers, n = [], 0
    while len(borrowers) < count:
        n += 1
        candidate = Borrower(
            full_name=f"Бенчев Пётр {n}",
            birth_date=dt.date(1975 + n % 25, 1 + n % 12, 1 + n % 28),
            phone=f"+79{n:09d}",
            passport_series="4510",
            passport_number=f"{n:06d}",
            region=region,
            time_zone=region.time_zone,
            employment="employed",
            declared_income_kop=15_000_000,
        )
        if _clean_at_the_bureau(candidate, on):
            borrowers.append(candidate)
    now = timezone.now()
    long_ago = on - dt.timedelta(days=400)
    with transaction.atomic():
        Borrower.objects.bulk_create(borrowers, batch_size=500)
        Loan.objects.bulk_create(
            [
                Loan(
                    borrower=b,
                    product=product,
                    status=LoanStatus.CLOSED,
                    requested_amount_kop=AMOUNT_KOP,
                    requested_term_days=TERM_DAYS,
                    principal_kop=AMOUNT_KOP,
                    term_days=TERM_DAYS,
                    daily_rate_ppm=product.daily_rate_ppm,
                    signed_at=now - dt.timedelta(days=400),
                    signed_on=long_ago,
                    issue_date=long_ago,
                    closed_on=long_ago + dt.timedelta(days=TERM_DAYS),
                )
                for b in borrowers
            ],
            batch_size=500,
        )
        accounts = ClientAccount.objects.bulk_create(
            [ClientAccount(phone=b.phone, borrower=b) for b in borrowers], batch_size=500
        )
        keys = [secrets.token_urlsafe(32) for _ in accounts]
        # Tokens are stored as SHA-256 of the key, as clientapi.services.tokens issues them.
        ApiToken.objects.bulk_create(
            [
                ApiToken(
                    account=a,
                    key_hash=hashlib.sha256(k.encode()).hexdigest(),
                    expires_at=now + dt.timedelta(days=1),
                )
                for a, k in zip(accounts, keys, strict=True)
            ],
            batch_size=500,
        )
        Consent.objects.bulk_create(
            [
                Consent(account=a, kind=kind, document_version=version)
                for a in accounts
                for kind, version in CONSENT_DOCUMENT_VERSIONS.items()
            ],
            batch_size=500,
        )
        methods = PayoutDestination.objects.bulk_create(
            [
                PayoutDestination(
                    account=a, kind="bank_account", account_number=valid_account(), bik=DEMO_BIK
                )
                for a in accounts
            ],
            batch_size=500,
        )
    return [Client(a.phone, k, m.pk) for a, k, m in zip(accounts, keys, methods, strict=True)]


# --- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(20),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; production sits behind TLS
        "API_THROTTLES_OFF": "1",
        "OTP_ECHO_TO_CONSOLE": "0",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "zaymer.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
        command,
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if _request(port, "GET", "/api/v1/products/")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")


# --- the client ----------------------------------------------------------------------------


def _request(port: int, method: str, path: str, *, token: str = "", body=None, key: str = ""):
    """One request on a new connection (a sync gunicorn worker closes each one)."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    completed: int = 0
    refused: dict[str, int] = field(default_factory=dict)

    def refuse(self, step: str, status: int, body) -> None:
        code = (body or {}).get("error", {}).get("code") or (body or {}).get("status")
        with self.lock:
            label = f"{step}: {status} {code}"
            self.refused[label] = self.refused.get(label, 0) + 1


def _latest_code(phone: str) -> str:
    """The code from the outbox, as a developer reads it (untimed, outside the steps)."""
    import re

    from loans.models import BorrowerMessage

    body = (
        BorrowerMessage.objects.filter(phone=phone, kind="code_sign_offer")
        .values_list("body", flat=True)
        .latest("pk")
    )
    return re.search(r"\b([0-9]{6})\b", body)[1]


def journey(port: int, client: Client, results: Results | None) -> None:
    timings = {}
    t = time.perf_counter()
    status, body = _request(
        port,
        "POST",
        "/api/v1/applications/",
        token=client.token,
        body={
            "product": "pdl30",
            "amount_kop": AMOUNT_KOP,
            "term_days": TERM_DAYS,
            "payout_method": client.payout_method,
        },
    )
    timings["submit"] = time.perf_counter() - t
    if status != 201 or body.get("status") != "approved":
        if results:
            results.refuse("submit", status, body)
        return
    loan = body["id"]
    t = time.perf_counter()
    status, body = _request(
        port, "POST", f"/api/v1/applications/{loan}/sign-code/", token=client.token
    )
    timings["sign-code"] = time.perf_counter() - t
    if status != 202:
        if results:
            results.refuse("sign-code", status, body)
        return
    code = _latest_code(client.phone)
    t = time.perf_counter()
    status, body = _request(
        port,
        "POST",
        f"/api/v1/applications/{loan}/sign/",
        token=client.token,
        body={"code": code},
        key=f"sign-{loan}",
    )
    timings["sign"] = time.perf_counter() - t
    if status != 201:
        if results:
            results.refuse("sign", status, body)
        return
    if results:
        with results.lock:
            results.completed += 1
            for step, seconds in timings.items():
                results.seconds[step].append(seconds)


def drive(
    port: int, clients: list[Client], concurrency: int, results: Results | None, seconds: float
) -> float:
    """Run the journeys from `concurrency` threads; none starts after `seconds`."""
    from django.db import connections

    queue = list(reversed(clients))
    lock = threading.Lock()
    started = time.perf_counter()

    def worker() -> None:
        try:
            while time.perf_counter() - started < seconds:
                with lock:
                    if not queue:
                        return
                    client = queue.pop()
                journey(port, client, results)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def floor(port: int, clients: list[Client], concurrency: int, seconds: float) -> float:
    """Requests/s of the cheapest authenticated call (GET /me/: the token and one profile row),
    from the same client threads: what the server and the machine give before any work of the
    journey's own. Each completed application takes three requests."""
    done = [0] * concurrency
    started = time.perf_counter()

    def worker(n: int) -> None:
        client = clients[n % len(clients)]
        while time.perf_counter() - started < seconds:
            status, _ = _request(port, "GET", "/api/v1/me/", token=client.token)
            if status != 200:
                raise SystemExit(f"GET /api/v1/me/ answered {status}")
            done[n] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


# --- report --------------------------------------------------------------------------------


def _machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs, {model}"


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _ms(values: list[float], q: float) -> str:
    import numpy as np

    return f"{np.percentile(np.array(values) * 1000, q):.1f}" if values else "—"


def report(
    *, args, where: str, results: Results, wall: float, load_before: str, floor_per_s: float
) -> bool:
    from django.db import connection

    from loans.models import Loan, PayoutOrder

    if connection.vendor == "postgresql":
        vendor = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    else:
        vendor = f"SQLite {'.'.join(map(str, connection.Database.sqlite_version_info))}"
    requests_done = sum(len(v) for v in results.seconds.values())
    per_s = results.completed / wall
    submit_p95 = float(_ms(results.seconds["submit"], 95)) if results.seconds["submit"] else 1e9
    disbursed = Loan.objects.filter(status="disbursed").count()
    payouts = PayoutOrder.objects.count()
    server = f"gunicorn, {args.workers} workers" + (
        f" × {args.threads} threads (gthread)" if args.threads > 1 else " (sync)"
    )
    rows = [
        ("machine", _machine()),
        ("load average before / after", f"{load_before} → {_load()}"),
        ("database", f"{vendor}, {where}"),
        ("server", f"{server}, DEBUG off, throttles lifted"),
        ("client", f"{args.concurrency} threads on the same machine, one connection per request"),
        (
            "borrowers",
            f"{args.borrowers} seeded, journeys started for {args.seconds:g} s at most "
            f"(+{args.warmup} warm-up, not counted)",
        ),
        ("completed applications", f"{results.completed} in {wall:.1f} s"),
        ("**completed applications/s**", f"**{per_s:.1f}** (goal ≥ {GOAL_APPLICATIONS_PER_S})"),
        ("HTTP requests/s (timed steps)", f"{requests_done / wall:.1f}"),
        *(
            (
                f"{step} p50 / p95 / p99, ms",
                f"{_ms(results.seconds[step], 50)} / {_ms(results.seconds[step], 95)} / "
                f"{_ms(results.seconds[step], 99)}",
            )
            for step in STEPS
        ),
        (
            "floor: authenticated GET /me/ per s",
            f"{floor_per_s:.0f} (÷ 3 steps = at most {floor_per_s / 3:.0f} applications/s "
            "if each step cost no more)",
        ),
        ("refused", ", ".join(f"{k} × {v}" for k, v in results.refused.items()) or "none"),
        ("check", f"{disbursed} loans disbursed, {payouts} payout orders"),
    ]
    print("\n| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    met = per_s >= GOAL_APPLICATIONS_PER_S and submit_p95 <= GOAL_SUBMIT_P95_MS
    print(
        f"\ngoal (≥ {GOAL_APPLICATIONS_PER_S}/s, submit p95 ≤ {GOAL_SUBMIT_P95_MS} ms): "
        f"{'met' if met else 'not met'}"
    )
    expected = results.completed + args.warmup
    return not results.refused and disbursed == payouts == expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--borrowers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60, help="no journey starts after")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument(
        "--floor-seconds", type=float, default=5, help="how long to measure GET /me/ after"
    )
    parser.add_argument("--database-url", help="PostgreSQL server to use instead of SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="zaymer-bench-api-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    db = prepare_database(args.database_url or "", name=BENCH_DB)
    setup_django(db)
    from django.core.management import call_command
    from django.db import connections

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    clients = seed(args.warmup + args.borrowers)
    connections.close_all()
    print(
        f"{db.where}: migrated and seeded {len(clients)} borrowers in "
        f"{time.perf_counter() - started:.1f} s"
    )

    port = _free_port()
    server = start_server(
        port=port, workers=args.workers, threads=args.threads, log=workdir / "gunicorn.log"
    )
    try:
        drive(port, clients[: args.warmup], args.concurrency, None, math.inf)
        load_before = _load()
        results = Results()
        wall = drive(port, clients[args.warmup :], args.concurrency, results, args.seconds)
        floor_per_s = floor(port, clients, args.concurrency, args.floor_seconds)
    finally:
        stop_process_group(server)
    where = "a temporary file" if db.vendor == "sqlite" else db.where
    ok = report(
        args=args,
        where=where,
        results=results,
        wall=wall,
        load_before=load_before,
        floor_per_s=floor_per_s,
    )
    connections.close_all()
    if args.keep:
        print(f"kept: {db.url}")
    else:
        db.drop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
