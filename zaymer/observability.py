"""Structured logs: one JSON line per request and per task, tied by a request id.

The line's message reads on its own (`GET /underwriting/ 200 12.3 ms`), so the development
console (LOG_FORMAT=text) shows one readable line per request; the JSON line has the same
message and the fields apart. A refused request (4xx) is not an error: Django's own warning
for it keeps its line but loses the traceback (`NoClientErrorTraceback`).

A request gets an id (the caller's `X-Request-ID` when it is a plain token, else a new one),
answered in the `X-Request-ID` header. Tasks enqueued while serving it carry the id, and their
log lines show it. Lines name the path, never the query string or a body: those can carry a
phone, a passport or a one-time code.
"""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.db import DatabaseError
from django.utils import timezone

request_id: ContextVar[str] = ContextVar("request_id", default="")
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
PLAIN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
TASK_KEY = "zaymer_request_id"

request_log = logging.getLogger("zaymer.request")
task_log = logging.getLogger("zaymer.task")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, request id, fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id.get():
            line["request_id"] = request_id.get()
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get(REQUEST_ID_HEADER, "")
        rid = given if PLAIN_ID.match(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            request_log.info(
                "%s %s %s %.1f ms",
                request.method,
                _printable(request.path),
                response.status_code,
                duration_ms,
                extra={
                    "fields": {
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": duration_ms,
                        "user_id": _user_id(request),
                    }
                },
            )
            return response
        finally:
            request_id.reset(token)


def _printable(text: str) -> str:
    """A path as one line: control characters (a decoded %0A) escaped, not obeyed."""
    return text.encode("unicode_escape").decode("ascii")


class NoClientErrorTraceback(logging.Filter):
    """Drops the traceback from a record about a refused request (status below 500): Django
    logs a 403 or a 400 with the exception that produced it, which is no error of ours."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True


def _user_id(request) -> int | None:
    """The signed-in user's id; None when there is none, or when the database holding the
    session is unreachable (the request still gets its line)."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None


def carry_request_id(sender, task, **kwargs) -> None:
    """django-q2 `pre_enqueue`: the task remembers the request that enqueued it."""
    if request_id.get():
        task[TASK_KEY] = request_id.get()


def task_started(sender, func, task, **kwargs) -> None:
    """django-q2 `pre_execute`: log lines of the task carry its request's id."""
    request_id.set(task.get(TASK_KEY, ""))


def task_finished(sender, func, task, **kwargs) -> None:
    """django-q2 `post_execute_in_worker`: one line per task run (the result is not logged)."""
    started, stopped = task.get("started"), task.get("stopped") or timezone.now()
    task_log.info(
        "task",
        extra={
            "fields": {
                "task": task.get("name"),
                "func": task.get("func") if isinstance(task.get("func"), str) else None,
                "success": task.get("success"),
                "duration_ms": round((stopped - started).total_seconds() * 1000, 1)
                if started
                else None,
            }
        },
    )
