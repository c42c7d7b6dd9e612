"""The database lost in the middle of a request answers 503 "retry later", never a 500, on any
database: the API in its error shape, other pages in a line of text, also when the loss
happens in a middleware (the session) rather than in the view. Logs name the error's class,
not its message. The real outage, on PostgreSQL, is test_drill_pg_outage.py."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import Client

PHONE = "+79161234567"  # what a driver's message could quote from a statement's values
DOWN = OperationalError(f"server closed the connection unexpectedly; value {PHONE}")

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def staff():
    return get_user_model().objects.create_user("drill", password="x" * 12)


def assert_unavailable_json(answer) -> None:
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["error"]["code"] == "service_unavailable"


def assert_nothing_quoted(caplog) -> None:
    ours = [r for r in caplog.records if r.name.startswith(("zaymer", "clientapi"))]
    assert any("database unavailable" in r.getMessage() for r in ours)
    assert not any(PHONE in r.getMessage() or r.exc_info for r in ours)


def test_an_api_view_that_loses_the_database_answers_503_in_the_error_shape(client, caplog):
    with mock.patch("clientapi.selectors.active_products", side_effect=DOWN):
        answer = client.get("/api/v1/products/", HTTP_ACCEPT_LANGUAGE="en")

    assert_unavailable_json(answer)
    assert answer.json()["error"]["message"] == "Service temporarily unavailable, retry later."
    assert_nothing_quoted(caplog)


def test_a_staff_page_that_loses_the_database_answers_503_text(client, caplog):
    client.force_login(staff())
    with mock.patch("zaymer.views.staff_pages", side_effect=DOWN):
        answer = client.get("/")

    assert answer.status_code == 503
    assert answer["Content-Type"].startswith("text/plain")
    assert "Traceback" not in answer.content.decode()
    assert_nothing_quoted(caplog)


@pytest.mark.parametrize("path", ["/health/", "/api/v1/products/", "/underwriting/"])
def test_the_session_lost_in_a_middleware_answers_503_too(client, caplog, path):
    client.force_login(staff())
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=DOWN):
        answer = client.get(path)

    lines = [r for r in caplog.records if r.name == "zaymer.request"]
    assert [r.fields["status"] for r in lines] == [503]  # the request still gets its line
    if path == "/underwriting/":
        assert answer.status_code == 503
        assert answer["Content-Type"].startswith("text/plain")
    else:
        assert_unavailable_json(answer)
    assert_nothing_quoted(caplog)
