"""`/health/`: can this process reach the database and the task queue's broker? And the
answer every view gives while it cannot: 503, retry later."""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker

from clientapi.errors import RETRY_AFTER_SECONDS, error_body, message

log = logging.getLogger(__name__)


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _queue() -> dict:
    broker = get_broker()
    if not broker.ping():
        raise ConnectionError("the broker does not answer")
    return {"broker": "ok", "queued": broker.queue_size()}


@never_cache
@require_GET
def health(request):
    checks, healthy = {}, True
    for name, check in (("database", _database), ("queue", _queue)):
        try:
            checks[name] = check()
        except Exception as error:  # a health check reports every failure, never raises
            log.warning("health check %s failed: %s", name, type(error).__name__)
            checks[name] = "unavailable"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


JSON_PREFIXES = ("/api/", "/health/")


class DatabaseUnavailableMiddleware:
    """A view that loses the database (down, restarting, a broken connection) answers 503
    with Retry-After instead of a 500: the API's error shape under /api/ and /health/, a line
    of text elsewhere. The API's own views get the same answer from its exception handler.
    Only the error's class is logged, never its message (it can quote the statement's values).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return database_unavailable(request, exception)


def server_error(request):
    """`handler500`: the database lost inside a middleware (reading or saving the session,
    say), where `process_exception` does not reach, answers the same 503."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
    return defaults.server_error(request)


def database_unavailable(request, exception: Exception) -> HttpResponse:
    cause = exception.__cause__ or exception
    log.warning("database unavailable: %s", type(cause).__name__)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith(JSON_PREFIXES):
        body = error_body("service_unavailable", message("service_unavailable"))
        return JsonResponse(body, status=503, headers=headers)
    return HttpResponse(
        message("service_unavailable"),
        status=503,
        content_type="text/plain; charset=utf-8",
        headers=headers,
    )
