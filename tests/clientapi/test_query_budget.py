"""The SQL statements each step of the application journey costs, pinned. Each one is a round
trip and the ORM's work, which is most of the API's time (bench/api.py); a change that adds
one shows here."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientapi.models import ClientAccount
from scoring.models import ModelStatus
from tests.clientapi.conftest import apply, approved_application, clean_bureau, last_code
from tests.scoring.conftest import constant_model, register

# The same on both databases, the transaction statements (SAVEPOINT, RELEASE) and the test's
# application throttle included. Lower them when a change saves a statement.
# Issue 15 added: to submit, whether a passport waits for staff review (1); to ask for a code,
# the offer's request row locked, the codes sent per offer and phone counted in one statement,
# and the savepoint around them (4); to sign, whether signing is paused (1).
# The contract documents (issue 17) added: the lender's details read for the offer's hash on
# submit (+2); storing the offer's contract before the code is sent (+7); finding the offer the
# code signed, re-rendering it and storing the signed contract (+12). The debt load kept with
# the contract: noted at the decision and read for the offer (+17), refreshed before the code
# (+5), checked, frozen and read back at signing (+14).
SUBMIT_BUDGET = 68
SIGN_CODE_BUDGET = 28
SIGN_BUDGET = 66
# The credit history (issue 18) added: to submit, the application and approval events with
# their outbox; to ask for a code, the production calendar of the two years the schedule spans;
# to sign, the bureau-answer check, the УИд, the "signed" event and its outbox.
# (the two sets of additions share one read on submit, hence +6 there rather than +7).
SUBMIT_BUDGET += 6
SIGN_CODE_BUDGET += 2
SIGN_BUDGET += 5
# Issue 21: the lender's details are read once per request (LenderDetails.current is
# remembered), not for each document that quotes them.
SUBMIT_BUDGET -= 2
SIGN_CODE_BUDGET -= 1
SIGN_BUDGET -= 3


def _statements(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        answer = call()
    return answer, [q["sql"] for q in queries.captured_queries]


def test_submitting_an_application_the_robot_approves_costs_its_pinned_statements(borrower_api):
    register(constant_model(0.02), status=ModelStatus.CHAMPION)
    clean_bureau(ClientAccount.objects.get(phone=borrower_api.phone).borrower)
    answer, statements = _statements(lambda: apply(borrower_api))
    assert answer.json()["status"] == "approved"
    assert len(statements) == SUBMIT_BUDGET, "\n".join(statements)


def test_asking_for_the_signing_code_costs_its_pinned_statements(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    answer, statements = _statements(
        lambda: borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/")
    )
    assert answer.status_code == 202
    assert len(statements) == SIGN_CODE_BUDGET, "\n".join(statements)


def test_signing_and_ordering_the_payout_costs_its_pinned_statements(borrower_api):
    loan_id = approved_application(borrower_api)["id"]
    assert borrower_api.post(f"/api/v1/applications/{loan_id}/sign-code/").status_code == 202
    code = last_code(borrower_api.phone)
    answer, statements = _statements(
        lambda: borrower_api.post(
            f"/api/v1/applications/{loan_id}/sign/",
            {"code": code},
            format="json",
            HTTP_IDEMPOTENCY_KEY="sign-budget",
        )
    )
    assert answer.status_code == 201, answer.json()
    assert len(statements) == SIGN_BUDGET, "\n".join(statements)
