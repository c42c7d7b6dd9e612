"""The staff API with a staff token, its schema, and its strict paging."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from clientapi.models import StaffToken
from clientapi.services import tokens
from kernel.errors import DomainError
from kernel.roles import UNDERWRITER
from tests.clientapi.conftest import sign_in
from tests.underwriting.conftest import staff

QUEUE = "/api/v1/staff/review-tasks/"


@pytest.fixture
def reviewer(db):
    return staff("token-reviewer", UNDERWRITER, is_staff=True)


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_staff_token_reads_the_staff_api_and_is_kept_hashed(reviewer):
    token, key = tokens.staff_token_issue(user=reviewer, days=1)
    assert _client(key).get(QUEUE).status_code == 200
    assert key not in token.key_hash and len(token.key_hash) == 64


def test_a_revoked_or_expired_staff_token_is_refused(reviewer):
    revoked, revoked_key = tokens.staff_token_issue(user=reviewer, days=1)
    tokens.staff_token_revoke(token=revoked)
    expired, expired_key = tokens.staff_token_issue(user=reviewer, days=1)
    StaffToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    for key in (revoked_key, expired_key):
        answer = _client(key).get(QUEUE)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "not_authenticated"


def test_a_staff_token_is_only_for_active_staff(db):
    with pytest.raises(DomainError):
        tokens.staff_token_issue(user=staff("plain", UNDERWRITER), days=1)


def test_a_staff_token_of_a_collector_still_needs_the_reviewer_role(db):
    _, key = tokens.staff_token_issue(user=staff("coll", "collector", is_staff=True), days=1)
    assert _client(key).get(QUEUE).json()["error"]["code"] == "permission_denied"


def test_the_command_prints_a_token_once(reviewer):
    out = io.StringIO()
    call_command("staff_token", reviewer.username, "--days", "7", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    assert _client(key).get(QUEUE).status_code == 200
    with pytest.raises(CommandError):
        call_command("staff_token", "nobody", stdout=out, stderr=io.StringIO())


def test_a_borrower_token_is_not_a_staff_token(db, api):
    sign_in(api)
    assert api.get(QUEUE).json()["error"]["code"] == "staff_only"


def test_the_staff_schema_is_for_staff_and_lists_only_the_staff_api(reviewer, client, api):
    _, key = tokens.staff_token_issue(user=reviewer, days=1)
    schema = _client(key).get("/api/schema/staff/?format=json")
    assert schema.status_code == 200
    assert list(schema.json()["paths"]) == [QUEUE]
    assert client.get("/api/schema/staff/?format=json").status_code == 403
    borrower_paths = api.get("/api/schema/?format=json").json()["paths"]
    assert not [path for path in borrower_paths if path.startswith("/api/v1/staff/")]


@pytest.mark.parametrize("query", ["page_size=0", "page_size=201", "page_size=x"])
def test_a_page_size_out_of_range_is_refused(reviewer, query):
    _, key = tokens.staff_token_issue(user=reviewer, days=1)
    answer = _client(key).get(f"{QUEUE}?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "page_size"


@pytest.mark.parametrize("query", ["page=01", "page=%2B1", "page=1_0"])
def test_a_page_number_is_digits_or_last(reviewer, query):
    _, key = tokens.staff_token_issue(user=reviewer, days=1)
    client = _client(key)
    assert client.get(f"{QUEUE}?{query}").status_code == 404
    assert client.get(f"{QUEUE}?page=last").status_code == 200
