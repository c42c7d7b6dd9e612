"""What every benchmark needs: a database of its own, Django set up on it and the few SQL
spellings SQLite and PostgreSQL disagree on; and, for those that start the project's
servers, a way to stop them with all their children."""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass
class BenchDb:
    vendor: str
    url: str
    where: str
    drop: object = None  # callable that removes the database


def prepare_database(url: str, *, name: str) -> BenchDb:
    """A fresh database for one benchmark: database `name` on the PostgreSQL server the URL
    names (dropped and created; the role needs CREATEDB), else a new temporary SQLite file."""
    scheme = urlsplit(url).scheme if url else "sqlite"
    if scheme.startswith("postgres"):
        import psycopg

        parts = urlsplit(url)
        if parts.path.strip("/") == name:
            raise SystemExit(f"The bench would drop the database the URL names ({name})")
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        bench_url = urlunsplit(parts._replace(path=f"/{name}"))

        def run_admin(sql: str) -> None:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql)

        run_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        run_admin(f"CREATE DATABASE {name}")
        host = parts.hostname or "localhost"
        return BenchDb(
            "postgresql",
            bench_url,
            f"{name} on {host}:{parts.port or 5432}",
            lambda: run_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
    if scheme not in ("sqlite", ""):
        raise SystemExit(f"Unsupported database URL scheme '{scheme}' (SQLite or PostgreSQL)")
    folder = tempfile.mkdtemp(prefix="zaymer_bench_")
    path = Path(folder) / f"{name}.sqlite3"
    return BenchDb("sqlite", f"sqlite:///{path}", str(path), lambda: shutil.rmtree(folder))


def setup_django(db: BenchDb) -> None:
    os.environ["DATABASE_URL"] = db.url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zaymer.settings")
    import django

    django.setup()


def stop_process_group(process: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM to a server started in a session of its own (gunicorn, the django-q2 cluster:
    each stops its own children), then SIGKILL to whatever is left of its process group."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


class Sql:
    """The few spellings SQLite and PostgreSQL disagree on."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def date(self) -> str:
        return "CAST(%s AS DATE)" if self.pg else "%s"

    def add_days(self, day: str, days: str) -> str:
        return (
            f"({day} + CAST({days} AS INTEGER))" if self.pg else f"date({day}, ({days}) || ' days')"
        )

    def pad(self, number: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST({number} AS TEXT), {width}, '0')"
        return f"substr('{'0' * width}' || ({number}), -{width})"

    def text(self, number: str) -> str:
        return f"CAST({number} AS TEXT)"

    def same(self, a: str, b: str) -> str:
        return f"{a} IS NOT DISTINCT FROM {b}" if self.pg else f"{a} IS {b}"

    def types(self) -> dict[str, str]:
        if self.pg:
            return {
                "int": "BIGINT",
                "date": "DATE",
                "ts": "TIMESTAMPTZ",
                "text": "TEXT",
                "json": "JSONB",
            }
        return {"int": "INTEGER", "date": "DATE", "ts": "DATETIME", "text": "TEXT", "json": "TEXT"}

    # --- for books generated from a series of ids (bench/dashboards.py) ---

    def series(self, n: int) -> tuple[str, str]:
        """(WITH prefix, FROM clause) giving column i = 1..n."""
        if self.pg:
            return "", f"generate_series(1, {n}) AS g(i)"
        return (
            f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) ",
            "g",
        )

    def day(self, base, days: str) -> str:
        """The date `days` after a fixed date."""
        return self.add_days(f"DATE '{base}'" if self.pg else f"'{base}'", days)

    def to_date(self, moment: str) -> str:
        return f"CAST({moment} AS DATE)" if self.pg else f"date({moment})"

    def plus_seconds(self, moment: str, seconds: str) -> str:
        if self.pg:
            return f"(CAST({moment} AS TIMESTAMP) + ({seconds}) * INTERVAL '1 second')"
        return f"datetime({moment}, ({seconds}) || ' seconds')"
