"""`/health/`: can this process reach the database and the task queue's broker?"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker

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
