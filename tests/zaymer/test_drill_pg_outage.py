"""PostgreSQL outage drill on 127.0.0.1: the web and the task workers ride out a database outage.

The machine's PostgreSQL is shared, so it is never restarted: a TCP proxy in this test stands
between the processes and the server, and the outage is the proxy dropping every connection
and refusing new ones (as a stopped server does). Two real web processes (gunicorn, one sync
worker each, DEBUG off) and a django-q2 cluster run against the test database through it:

- before: requests succeed and queued tasks run;
- during: /health/ and the API answer a clean 503 in JSON within a bound, no stack trace;
  a task cut off mid-run and the tasks queued meanwhile wait;
- after: both web processes answer at once without a restart, including the one that held an
  idle persistent connection through the outage (CONN_HEALTH_CHECKS), and every task runs:
  each leaves exactly one row.
"""

import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the outage drill cuts a TCP connection to a database server; the test "
        "database is SQLite (set DATABASE_URL to a PostgreSQL server to run it)",
    ),
]

TABLE = "drill_task_run"
REQUEST_BOUND_S = 10  # no request may hang longer than this, in or out of the outage
RETRY_S = 8  # django-q2 offers a task taken but never acknowledged again after this


def record_run(token: str, marker: str = "", delay: float = 0.0) -> str:
    """The drill's task (run by the cluster): one row per run, after an optional pause."""
    from django.db import connection as worker_connection

    if marker:
        Path(marker).touch()
    time.sleep(delay)
    with worker_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (token, pid) VALUES (%s, %s)",  # noqa: S608 - a constant
            [token, os.getpid()],
        )
    return token


# --- the proxy -----------------------------------------------------------------------------


class Proxy:
    """TCP proxy on 127.0.0.1 (a random port) to the database server; `cut` drops every
    connection and stops listening (connections are refused), `restore` listens again on the
    same port."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            self._drop(listener)
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            self._drop(sock)

    @staticmethod
    def _drop(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            server.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    self._drop(client)
                    self._drop(server)
                    return
                self._sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


# --- processes and requests ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(port: int) -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@127.0.0.1:{port}/{db['NAME']}?connect_timeout=3"


def _start(args: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this interpreter and the project's entry points
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process (gunicorn and qcluster stop their own children), then SIGKILL
    to whatever is left of the process group it leads."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def get(port: int, path: str) -> tuple[int, str, str, float]:
    """(status, content type, body, seconds) of one GET; fails the test beyond the bound."""
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_BOUND_S)
    try:
        client.request("GET", path, headers={"Accept": "application/json"})
        response = client.getresponse()
        body = response.read().decode()
        return (
            response.status,
            response.getheader("Content-Type", ""),
            body,
            time.monotonic() - started,
        )
    finally:
        client.close()


def wait_until(condition, *, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2500:]}" for log in logs)
    pytest.fail(f"{what}: not within {seconds:g} s\n{tails}")


def runs() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token, COUNT(*) FROM {TABLE} GROUP BY token")  # noqa: S608
        return dict(cursor.fetchall())


def queued() -> int:
    from django_q.models import OrmQ

    return OrmQ.objects.count()


def enqueue(*tokens: str, **kwargs) -> None:
    from django_q.tasks import async_task

    for token in tokens:
        async_task(f"{__name__}.record_run", token, task_name=token, **kwargs)


# --- the drill -----------------------------------------------------------------------------


def test_requests_fail_cleanly_during_a_database_outage_and_no_task_is_lost(tmp_path, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", False)  # tasks go to the database queue, not in-process
    secret = secrets.token_urlsafe(40)
    monkeypatch.setattr(Conf, "SECRET_KEY", secret)  # tasks are signed with the cluster's key
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, token text, pid int)")
    db = connection.settings_dict
    proxy = Proxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(20),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "DATABASE_URL": _database_url(proxy.port),
        "CONN_MAX_AGE": "60",
        "Q_WORKERS": "1",
        "Q_TIMEOUT": str(RETRY_S - 2),
        "Q_RETRY": str(RETRY_S),
        "LOG_LEVEL": "INFO",
    }
    busy_port, idle_port = _free_port(), _free_port()
    logs = [tmp_path / name for name in ("web-busy.log", "web-idle.log", "qcluster.log")]
    gunicorn = ["-m", "gunicorn", "zaymer.wsgi:application", "--workers", "1", "--timeout", "30"]
    processes = [
        _start([*gunicorn, "--bind", f"127.0.0.1:{busy_port}"], env=env, log=logs[0]),
        _start([*gunicorn, "--bind", f"127.0.0.1:{idle_port}"], env=env, log=logs[1]),
        _start(["manage.py", "qcluster"], env=env, log=logs[2]),
    ]
    try:
        # Before: both web processes serve (and keep their connection), the cluster works.
        def serving(port: int) -> bool:
            try:
                return get(port, "/health/")[0] == 200
            except OSError:
                return False

        wait_until(
            lambda: serving(busy_port) and serving(idle_port), seconds=40, what="web up", logs=logs
        )
        for port in (busy_port, idle_port):
            assert get(port, "/api/v1/products/")[0] == 200
        before = [f"before-{n}" for n in range(5)]
        enqueue(*before)
        wait_until(
            lambda: len(runs()) == 5 and queued() == 0,
            seconds=40,
            what="the tasks queued before the outage",
            logs=logs,
        )

        # A task is taken and running when the database goes away.
        marker = tmp_path / "in-flight.started"
        enqueue("in-flight", marker=str(marker), delay=4.0)  # cut long before it ends
        wait_until(marker.exists, seconds=20, what="the in-flight task started", logs=logs)
        proxy.cut()
        outage_started = time.monotonic()
        during = [f"during-{n}" for n in range(5)]
        enqueue(*during)  # queued by a process that still reaches the database

        # During: a clean 503 in JSON from the health check and from the API, at once.
        for path in ("/health/", "/api/v1/products/", "/health/"):
            status, content_type, body, seconds = get(busy_port, path)
            assert status == 503, (path, status, body[:500])
            assert content_type.startswith("application/json"), (path, content_type)
            assert seconds < REQUEST_BOUND_S
            assert "Traceback" not in body
            answer = json.loads(body)
            if path == "/health/":
                assert answer["status"] == "unavailable"
                assert answer["database"] == "unavailable"
            else:
                assert answer["error"]["code"] == "service_unavailable", answer
        # The cluster cannot finish the in-flight task nor take the new ones meanwhile.
        time.sleep(max(0.0, 4 - (time.monotonic() - outage_started)))
        assert set(runs()) == set(before)
        assert queued() == 6

        # After: both web processes answer at once, without a restart.
        proxy.restore()
        for port in (idle_port, busy_port):
            for path in ("/api/v1/products/", "/health/"):
                status, _type, body, _seconds = get(port, path)
                assert status == 200, (port, path, status, body[:500])

        # Every task runs exactly once: the in-flight one again after RETRY_S, the rest now.
        everything = {*before, "in-flight", *during}
        wait_until(
            lambda: set(runs()) == everything and queued() == 0,
            seconds=45,
            what="every task run after the outage",
            logs=logs,
        )
        time.sleep(1)  # a duplicate would show up here
        assert runs() == dict.fromkeys(everything, 1)
        assert queued() == 0
        assert all(process.poll() is None for process in processes), "no process may die"
    finally:
        for process in processes:
            _stop(process)
        proxy.cut()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
