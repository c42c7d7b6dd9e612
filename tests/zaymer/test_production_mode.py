import json
import logging
import os
import secrets
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django_q.signals import pre_execute
from django_q.tasks import async_task

from zaymer import health, observability


def python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """This interpreter in the project's directory, with no DEBUG or SECRET_KEY unless given."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - this interpreter with fixed arguments
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return python("manage.py", *args, **env)


PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(60),
    "PAYMENT_WEBHOOK_SECRET": secrets.token_hex(16),
}


def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_short_or_default_secret():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": "short"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_manage_py_in_a_bare_checkout_runs_as_development():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_wsgi_entry_point_refuses_to_start_without_a_secret():
    result = python("-c", "import zaymer.wsgi")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


# --- a wrong setting or an unreachable service: one line, exit 2 ---------------------------


def _refused(result: subprocess.CompletedProcess, setting: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    line = result.stderr.strip()
    assert line.startswith(f"zaymer: {setting}") and "\n" not in line, line
    return line


def test_a_database_url_of_no_supported_kind_is_named():
    _refused(manage("migrate", DEBUG="1", DATABASE_URL="mongodb://127.0.0.1/x"), "DATABASE_URL")


def test_an_unreachable_database_is_named_without_its_password():
    line = _refused(
        manage("migrate", DEBUG="1", DATABASE_URL="postgres://zaymer:s3cret@127.0.0.1:1/zaymer"),
        "DATABASE_URL",
    )
    assert "s3cret" not in line and "zaymer:***@127.0.0.1:1" in line


def test_production_without_a_secret_key_names_it():
    _refused(manage("check", DEBUG="0"), "SECRET_KEY")


def test_an_unreachable_broker_is_named_before_the_cluster_starts(tmp_path):
    result = manage(
        "qcluster",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        Q_BROKER_URL="redis://127.0.0.1:1/0",
    )
    _refused(result, "Q_BROKER_URL")


def test_check_services_says_what_it_reached(tmp_path):
    result = manage(
        "check_services", DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    assert result.returncode == 0, result.stderr
    assert "database: sqlite" in result.stdout
    assert "broker: the database (django-q2 ORM broker)" in result.stdout


def _redis_answers() -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_a_reachable_redis_broker_is_accepted(tmp_path):
    result = manage(
        "check_services",
        DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        Q_BROKER_URL="redis://127.0.0.1:6379/15",
    )
    assert result.returncode == 0, result.stderr
    assert "broker: Redis at redis://127.0.0.1:6379/15" in result.stdout


def test_health_answers_ok_when_database_and_broker_answer(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["queue"]["broker"] == "ok"


def test_health_answers_503_when_the_broker_is_down(client, db, monkeypatch):
    class DownBroker:
        def ping(self):
            raise ConnectionError("refused")

    monkeypatch.setattr(health, "get_broker", DownBroker)
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["queue"] == "unavailable"


def test_each_request_logs_one_json_line_with_its_id(client, db, caplog):
    caplog.set_level(logging.INFO, logger="zaymer.request")
    response = client.get("/health/?phone=79161234567", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    (record,) = [r for r in caplog.records if r.name == "zaymer.request"]
    line = json.loads(observability.JsonFormatter().format(record))
    assert line["path"] == "/health/" and line["status"] == 200
    assert "79161234567" not in json.dumps(line)


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client, db):
    response = client.get("/health/", HTTP_X_REQUEST_ID="bad id\n{json}")
    assert response["X-Request-ID"] != "bad id\n{json}"
    assert observability.PLAIN_ID.match(response["X-Request-ID"])


def test_a_task_carries_the_id_of_the_request_that_enqueued_it(db):
    seen = []

    def remember(sender, func, task, **kwargs):
        seen.append(task.get(observability.TASK_KEY))

    pre_execute.connect(remember, dispatch_uid="test-remember")
    token = observability.request_id.set("req-42")
    try:
        async_task("math.floor", 1.5, sync=True)
    finally:
        observability.request_id.reset(token)
        pre_execute.disconnect(dispatch_uid="test-remember")
    assert seen == ["req-42"]


@pytest.mark.parametrize("path", ["/underwriting/", "/accounts/login/"])
def test_staff_sessions_end_after_30_idle_minutes(client, path, db):
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("someone", password="x" * 12))
    response = client.get(path)
    assert response.cookies["sessionid"]["max-age"] == 30 * 60
