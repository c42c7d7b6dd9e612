"""What every benchmark needs: a database of its own and Django set up on it; and, for those
that start the project's servers, a way to stop them with all their children."""

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
