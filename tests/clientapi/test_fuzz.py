"""Schema-driven fuzzing (schemathesis) with every check: no 5xx, answers that match the schema
(status codes, content types, headers, bodies), schema-valid requests accepted and invalid ones
refused. The borrower API runs with a borrower's token, the staff API with a staff token.

Bounded: a few examples per operation and mode, and a wall-clock budget per API. The figures
(cases, 5xx, schema violations) are printed: `pytest -s tests/clientapi/test_fuzz.py`.
"""

import collections
import contextlib
import json
import os
import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode

from clientapi.services import tokens
from kernel.roles import UNDERWRITER
from tests.clientapi.conftest import approved_application
from tests.underwriting.conftest import referred_task, staff

# A deeper run by hand: FUZZ_EXAMPLES=100 FUZZ_SECONDS=600 pytest -s tests/clientapi/test_fuzz.py
BUDGET_SECONDS = {"borrower": int(os.environ.get("FUZZ_SECONDS", "20"))}
BUDGET_SECONDS["staff"] = BUDGET_SECONDS["borrower"] // 2
_POSITIVE = int(os.environ.get("FUZZ_EXAMPLES", "15"))
EXAMPLES = {GenerationMode.POSITIVE: _POSITIVE, GenerationMode.NEGATIVE: max(1, _POSITIVE * 2 // 3)}

# A schema-valid request may still be refused for what the server holds: 422 is the API's
# answer "well-formed, but not possible now" (a domain rule, a missing profile or consent, an
# Idempotency-Key used with another body), 423 a paused offer.
ACCEPTABLE_ANSWERS = ["2xx", "3xx", "401", "403", "404", "409", "422", "423", "429", "5xx"]
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTABLE_ANSWERS}}}
)
# The 400s of the same kind: a product code that is not on sale, someone else's payout method,
# a wrong one-time code, an amount or term outside the product's range.
STATE_DEPENDENT_REFUSALS = {
    "product_inactive",
    "invalid_payment_details",
    "invalid_payout_method",
    "invalid_code",
    "code_attempts_exhausted",
    "amount_above_debt",
    "invalid_amount",
    "invalid_term",
    "repeat_only_product",
    "outdated_document",
    "credit_limit_exceeded",
    "duplicate_phone",
}
# The same, for one field only: the staff queue filters by a product code.
STATE_DEPENDENT_FIELD_REFUSALS = {("invalid_choice", "product")}
# Failures that mean the answer broke the schema (as opposed to a 5xx, or a request the API
# judged otherwise than the schema).
SCHEMA_VIOLATIONS = {
    "JsonSchemaError",
    "MalformedJson",
    "UndefinedStatusCode",
    "UndefinedContentType",
    "MalformedMediaType",
    "MissingContentType",
    "MissingHeaders",
    "MissingHeaderNotRejected",
    "MissingAllowHeader",
}


@pytest.fixture
def open_rates(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {scope: "100000/hour" for scope in SimpleRateThrottle.THROTTLE_RATES}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


# Restores the seeded rows (limits, regions, roles) an earlier transactional test flushed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_borrower_api_holds_every_check(business_date, api_factory, open_rates):
    client = api_factory()
    approved_application(client)
    headers = {"Authorization": f"Bearer {client.token}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", get_wsgi_application(), config=CONFIG
    )
    figures = _fuzz_all(schema, headers, budget=BUDGET_SECONDS["borrower"], minimum_operations=20)
    _report("borrower", figures)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_staff_api_holds_every_check(business_date, open_rates):
    for _ in range(3):
        referred_task()
    user = staff("fuzz-underwriter", UNDERWRITER, is_staff=True)
    _, key = tokens.staff_token_issue(user=user, days=1)
    headers = {"Authorization": f"Bearer {key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/staff/?format=json", get_wsgi_application(), config=CONFIG, headers=headers
    )
    figures = _fuzz_all(schema, headers, budget=BUDGET_SECONDS["staff"], minimum_operations=1)
    _report("staff", figures)


def _report(api: str, figures: dict) -> None:
    print(
        f"\nschemathesis {api}: {figures['operations']} operations, {figures['cases']} cases, "
        f"{figures['5xx']} 5xx, {figures['schema_violations']} schema violations, "
        f"{len(figures['failures'])} failures"
    )
    assert not figures["failures"], json.dumps(figures["failures"], indent=1, ensure_ascii=False)


def _fuzz_all(schema, headers: dict, *, budget: int, minimum_operations: int) -> dict:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= minimum_operations
    figures = collections.Counter({"cases": 0, "5xx": 0, "schema_violations": 0})
    failures: dict[str, list[str]] = collections.defaultdict(list)
    # An equal slice of the budget for each operation and mode: a slow machine fuzzes every
    # operation less, rather than only the first ones.
    share = budget / (len(operations) * len(EXAMPLES))
    for operation in operations:
        for mode, examples in EXAMPLES.items():
            deadline = time.monotonic() + share
            _fuzz(operation, mode, examples, deadline, headers, figures, failures)
    return {**figures, "operations": len(operations), "failures": dict(failures)}


def _fuzz(operation, mode, examples, deadline, headers, figures, failures) -> None:
    ran = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        # At least one case for each operation and mode, then as many as the slice allows.
        if ran and time.monotonic() > deadline:
            return
        ran.append(case)
        figures["cases"] += 1
        response = case.call(headers=headers)
        if response.status_code >= 500:
            figures["5xx"] += 1
        try:
            case.validate_response(response, headers=headers)
        except BaseExceptionGroup as group:
            for failure in group.exceptions:
                _record(case, mode, failure, response, figures, failures)

    with contextlib.suppress(Unsatisfiable):  # no parameters: no invalid variant
        run()


def _record(case, mode, failure, response, figures, failures) -> None:
    kind = type(failure).__name__
    code, field = _error(response)
    if kind == "AcceptedNegativeData" and _undocumented_query(case):
        return  # a query parameter the operation does not know is ignored, as HTTP APIs do
    if kind == "RejectedPositiveData" and (
        code in STATE_DEPENDENT_REFUSALS or (code, field) in STATE_DEPENDENT_FIELD_REFUSALS
    ):
        return
    if kind in SCHEMA_VIOLATIONS:
        figures["schema_violations"] += 1
    title = str(failure).splitlines()[0] if str(failure) else kind
    entry = f"{mode.value} {kind} {response.status_code} {code or response.text[:80]}: {title}"
    entry += f" ({response.request.method} {response.request.url})"
    if entry not in failures[case.operation.label]:
        failures[case.operation.label].append(entry)


def _undocumented_query(case) -> bool:
    known = {p.name for p in case.operation.query}
    return bool(set(case.query or {}) - known)


def _error(response) -> tuple[str | None, str | None]:
    try:
        error = response.json()["error"]
        return error["code"], error["field"]
    except (ValueError, KeyError, TypeError):
        return None, None
