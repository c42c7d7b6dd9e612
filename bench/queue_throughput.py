"""django-q2 throughput: N small tasks through the database broker, 1 then 2 worker processes.

    DEBUG=1 .venv/bin/python bench/queue_throughput.py [--tasks 2000] [--workers 1,2]
        [--database-url postgres://...] [--bench-db NAME] [--keep]

Migrates a fresh database (a temporary SQLite file, or database `--bench-db` on the PostgreSQL
server the URL names, dropped and re-created; never the database the URL names), then for each
worker count: enqueues N tasks with `async_task` (the ORM broker, as the project runs it), starts
`manage.py qcluster` with `Q_WORKERS` set and DEBUG off, and waits until every task has run and
been acknowledged (the queue table is empty). Each task writes one row (its number, when it
started and finished, its process), so the bench also proves that every task ran exactly once.
Prints a markdown table: tasks/s from the first task's start to the last one's end, and to the
last acknowledgement, the cluster's start-up, the load average.
"""

import argparse
import atexit
import logging
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project, so that `bench.benchdb` and the apps import alike

from bench.benchdb import prepare_database, setup_django, stop_process_group  # noqa: E402

BENCH_DB = "zaymer_bench_q2"
TABLE = "bench_q2_run"
TASK = "bench.queue_throughput.record"


def record(n: int) -> int:
    """The benchmark's task: one row saying which task ran, when and where."""
    from django.db import connection

    started = time.time()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (n, started, finished, pid) VALUES (%s, %s, %s, %s)",
            [n, started, time.time(), os.getpid()],
        )
    return n


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _reset_tables() -> None:
    from django.db import connection
    from django_q.models import OrmQ, Task

    OrmQ.objects.all().delete()
    Task.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (n integer NOT NULL, started double precision NOT NULL,"
            " finished double precision NOT NULL, pid integer NOT NULL)"
        )


def _enqueue(count: int) -> float:
    from django_q.tasks import async_task

    started = time.perf_counter()
    for n in range(count):
        async_task(TASK, n, task_name=f"bench-{n}")
    return time.perf_counter() - started


def _progress() -> tuple[int, int]:
    """(rows written, tasks still in the queue table)."""
    from django.db import connection
    from django_q.models import OrmQ

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        written = cursor.fetchone()[0]
    return written, OrmQ.objects.count()


def _runs() -> tuple[float, float, int, int, int]:
    """(first start, last finish, rows, distinct tasks, distinct worker processes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(started), MAX(finished), COUNT(*), COUNT(DISTINCT n),"
            f" COUNT(DISTINCT pid) FROM {TABLE}"
        )
        return cursor.fetchone()


def run_cluster(*, workers: int, tasks: int, env: dict, log: Path, limit: float) -> dict:
    from django.db import connections

    _reset_tables()
    enqueue_s = _enqueue(tasks)
    connections.close_all()  # SQLite: no lock held by this process while the cluster runs
    load_before = _load()
    launched = time.time()
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env={**env, "Q_WORKERS": str(workers)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    acknowledged = None
    stopping = None
    try:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if cluster.poll() is not None:
                sys.exit(f"qcluster exited with {cluster.returncode}:\n{log.read_text()[-3000:]}")
            written, waiting = _progress()
            if written >= tasks and waiting == 0:
                acknowledged = time.time()
                break
            time.sleep(0.1)
    finally:
        stopping = time.monotonic()
        stop_process_group(cluster)
    print(
        f"{workers} worker(s): cluster stopped in {time.monotonic() - stopping:.1f} s", flush=True
    )
    if acknowledged is None:
        sys.exit(f"{workers} worker(s): not done within {limit:g} s:\n{log.read_text()[-3000:]}")
    first_start, last_finish, rows, distinct, pids = _runs()
    return {
        "workers": workers,
        "tasks": tasks,
        "enqueue_per_s": tasks / enqueue_s,
        "startup_s": first_start - launched,
        "run_s": last_finish - first_start,
        "ack_s": acknowledged - first_start,
        "rows": rows,
        "distinct": distinct,
        "pids": pids,
        "load": f"{load_before} → {_load()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--database-url", help="PostgreSQL server to use instead of SQLite")
    parser.add_argument("--bench-db", default=BENCH_DB, help="PostgreSQL database to (re)create")
    parser.add_argument("--limit", type=float, default=900, help="seconds allowed per run")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="zaymer-bench-q2-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    # Tasks are signed with the secret key: the bench and the cluster share a fresh one.
    secret = secrets.token_urlsafe(40)
    os.environ["SECRET_KEY"] = secret
    db = prepare_database(args.database_url or "", name=args.bench_db)
    setup_django(db)
    from django.core.management import call_command
    from django.db import connection
    from django_q.conf import Conf

    if Conf.SYNC:
        sys.exit("Q_SYNC is on: tasks would run in this process, not in the cluster")
    logging.getLogger("django-q").setLevel(logging.WARNING)  # not a line per task enqueued
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"{db.where}: migrated in {time.perf_counter() - started:.1f} s", flush=True)
    if connection.vendor == "postgresql":
        vendor = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    else:
        vendor = f"SQLite {'.'.join(map(str, connection.Database.sqlite_version_info))}"
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(20),
        "LOG_LEVEL": "INFO",  # one JSON line per task, as in production
    }
    env.pop("Q_BROKER_URL", None)
    results = [
        run_cluster(
            workers=w,
            tasks=args.tasks,
            env=env,
            log=workdir / f"qcluster-{w}.log",
            limit=args.limit,
        )
        for w in counts
    ]
    where = "a temporary file" if db.vendor == "sqlite" else db.where
    print(
        f"\ndjango-q2 {_version()}, ORM broker on {vendor} ({where}); {os.cpu_count()} CPUs; "
        f"each task inserts one row; cluster with DEBUG off, INFO logs to a file\n"
    )
    print(
        "| workers | tasks | enqueue/s | cluster start-up | first start → last end | tasks/s "
        "| → all acknowledged | tasks/s acknowledged | rows / distinct tasks | worker pids "
        "| load average before → after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    ok = True
    for r in results:
        print(
            f"| {r['workers']} | {r['tasks']} | {r['enqueue_per_s']:.0f} | {r['startup_s']:.1f} s "
            f"| {r['run_s']:.1f} s | **{r['tasks'] / r['run_s']:.0f}** | {r['ack_s']:.1f} s "
            f"| {r['tasks'] / r['ack_s']:.0f} | {r['rows']} / {r['distinct']} | {r['pids']} "
            f"| {r['load']} |"
        )
        ok = ok and r["rows"] == r["distinct"] == r["tasks"]
    print(f"\nevery task ran exactly once: {'yes' if ok else 'NO'}")
    connection.close()
    if args.keep:
        print(f"kept: {db.url}")
    else:
        db.drop()
    sys.exit(0 if ok else 1)


def _version() -> str:
    from importlib.metadata import version

    return version("django-q2")


if __name__ == "__main__":
    main()
