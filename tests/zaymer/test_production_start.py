"""The production start as `make serve` runs it: check_services, migrate, collectstatic, then
gunicorn with DEBUG off, against a database of the test's own; the pages answer 200 with the
security headers, and a hashed static file is served."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

PAGES = ["/health/", "/accounts/login/", "/admin/login/", "/api/docs/", "/api/schema/"]
START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production_database(tmp_path):
    """On SQLite a new file; on PostgreSQL a new database on the server of DATABASE_URL,
    dropped afterwards (the suite's own test database is not touched)."""
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"{base.path.lstrip('/')}_prodstart_{secrets.token_hex(4)}"
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as server:
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(base._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def production_env(tmp_path, production_database):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_ALLOW_ASYNC", "Q_", "API_THROTTLES"))
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        PAYMENT_WEBHOOK_SECRET=secrets.token_hex(16),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=production_database,
        STATIC_ROOT=str(tmp_path / "static"),
        LOG_FORMAT="json",
    )
    return environment


def _manage(environment: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this interpreter with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finished(process: subprocess.Popen, what: str) -> None:
    try:
        output, _ = process.communicate(timeout=START_SECONDS * 2)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"{what} did not finish: {output[-2000:]}")
    assert process.returncode == 0, f"{what} failed:\n{output[-4000:]}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str) -> tuple[int, dict, bytes]:
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(url, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _wait_until_it_answers(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped ({server.returncode}):\n{log.read_text()[-4000:]}")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer in {START_SECONDS} s:\n{log.read_text()[-4000:]}")


def _stop(server: subprocess.Popen) -> None:
    """The whole process group (the arbiter and its worker), with bounded waits."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)
    except ProcessLookupError:
        pass


def _assert_security_headers(path: str, headers: dict) -> None:
    policy = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "object-src 'none'" in policy, (path, policy)
    assert headers.get("Referrer-Policy") == "same-origin", path
    assert "camera=()" in headers.get("Permissions-Policy", ""), path
    assert headers.get("X-Content-Type-Options") == "nosniff", path


def test_the_production_start_serves_pages_and_hashed_static_files(tmp_path, production_env):
    # make serve's order; collectstatic needs no database, so it runs beside the other two.
    collect = _manage(production_env, "collectstatic", "--noinput", "-v", "0")
    _finished(_manage(production_env, "check_services"), "check_services")
    _finished(_manage(production_env, "migrate", "--noinput"), "migrate")
    _finished(collect, "collectstatic")
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]

    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as sink:
        server = subprocess.Popen(  # noqa: S603 - this interpreter with fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "zaymer.wsgi",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=settings.BASE_DIR,
            env=production_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_it_answers(server, f"{base}/health/", log)
        for path in PAGES:
            status, headers, body = _get(base + path)
            assert status == 200, (path, status, body[:500], log.read_text()[-3000:])
            _assert_security_headers(path, headers)
            if path.startswith(("/api/", "/admin/")):
                assert "no-store" in headers.get("Cache-Control", ""), path
        asset = f"{base}/static/{manifest['vendor/htmx-2.0.4.min.js']}"
        status, headers, body = _get(asset)
        assert status == 200 and body.startswith(b"var htmx"), asset
        assert "immutable" in headers.get("Cache-Control", "")
        _assert_security_headers(asset, headers)
        # The docs page loads Swagger UI from the collected, hashed files.
        docs = _get(f"{base}/api/docs/")[2].decode()
        assert manifest["drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"] in docs
    finally:
        _stop(server)
    assert server.returncode is not None
