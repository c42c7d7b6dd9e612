"""Schema-driven fuzzing of the whole API (schemathesis) with a borrower's token: no 5xx.

Bounded: a few examples per operation and a wall-clock budget for the whole run.
"""

import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings

from tests.clientapi.conftest import approved_application

BUDGET_SECONDS = 30
EXAMPLES_PER_OPERATION = 8


# Restores the seeded rows (limits, regions, roles) an earlier transactional test flushed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_operation_answers_5xx(business_date, api_factory, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {scope: "100000/hour" for scope in SimpleRateThrottle.THROTTLE_RATES},
    )
    client = api_factory()
    approved_application(client)
    headers = {"Authorization": f"Bearer {client.token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    deadline = time.monotonic() + BUDGET_SECONDS
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        if time.monotonic() > deadline:
            break
        _fuzz(operation, headers, failures)

    assert not failures, failures


def _fuzz(operation, headers, failures) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append((operation.label, response.status_code, response.text[:300]))

    run()
