"""Why a process could not start, in one line that names the setting to fix.

`manage.py` turns a wrong setting, an unreachable database or an unreachable broker into that
line and a non-zero exit instead of a stack trace; `manage.py check_services` (run by
`make serve` before anything starts) checks both on purpose. Nothing here may import the
settings at module level: it runs when they are the thing that failed.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.db.utils import InterfaceError, OperationalError

EXIT_MISCONFIGURED = 2
# Long-running processes check their services before they start serving.
SERVICE_COMMANDS = frozenset({"qcluster", "runserver"})


class ServiceUnavailable(Exception):
    """A service the process needs does not answer; the message names its setting."""


def safe_url(url: str) -> str:
    """The URL without its password, for a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def explain(exc: BaseException) -> str | None:
    """The one-line reason for a failure at start, or None when it is not a startup failure."""
    import os

    if isinstance(exc, ServiceUnavailable):
        return str(exc)
    if isinstance(exc, ImproperlyConfigured):
        text = _first_line(exc)
        if "isn't an available database backend" in text:
            return (
                "DATABASE_URL names no supported database: use sqlite:///PATH or "
                "postgres://USER@HOST:PORT/NAME"
            )
        return text
    if isinstance(exc, OperationalError | InterfaceError):
        url = safe_url(os.environ.get("DATABASE_URL", "the default SQLite file"))
        return f"DATABASE_URL: cannot use the database at {url}: {_first_line(exc)}"
    return None


def check_database() -> str:
    from django.db import connection

    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except (OperationalError, InterfaceError, ImproperlyConfigured) as exc:
        raise ServiceUnavailable(explain(exc)) from exc
    return f"{connection.vendor} ({connection.settings_dict['NAME']})"


def check_broker() -> str:
    """The task queue's broker: the database itself, or Redis at Q_BROKER_URL."""
    import os

    url = os.environ.get("Q_BROKER_URL", "")
    if not url:
        return "the database (django-q2 ORM broker)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        raise ServiceUnavailable(
            f"Q_BROKER_URL: cannot reach the broker at {safe_url(url)}: {_first_line(exc)}"
        ) from exc
    return f"Redis at {safe_url(url)}"


def check_services() -> tuple[str, str]:
    import django

    django.setup()
    return check_database(), check_broker()
