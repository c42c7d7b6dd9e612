"""Every answer under /api/ is in the API's error shape, unknown paths and staff refusals too."""

import pytest

from tests.clientapi.conftest import sign_in
from tests.underwriting.conftest import staff


def _error(answer, status: int, code: str) -> None:
    assert answer.status_code == status
    assert answer["Content-Type"].startswith("application/json")
    assert set(answer.json()) == {"error"}
    assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/api/v1/nothing/", "/api/v1/applications/x/y/", "/api/v1/staff/x/"]
)
def test_an_unknown_path_under_api_answers_json_not_found(db, api, path):
    _error(api.get(path), 404, "not_found")


def test_an_unknown_path_answers_json_whatever_the_method(db, api):
    _error(api.post("/api/v1/nothing/", {"a": 1}, format="json"), 404, "not_found")
    _error(api.delete("/api/v1/nothing/"), 404, "not_found")


def test_an_unknown_path_does_not_list_the_url_patterns(db, api, settings):
    settings.DEBUG = True
    answer = api.get("/api/v1/nothing/")
    assert b"urlpatterns" not in answer.content and b"api/v1/" not in answer.content


def test_a_method_the_endpoint_lacks_answers_405_in_the_shape(db, api):
    _error(api.delete("/api/v1/calculator/"), 405, "method_not_allowed")


def test_a_borrower_token_on_the_staff_api_answers_staff_only(db, api):
    sign_in(api)
    _error(api.get("/api/v1/staff/review-tasks/"), 403, "staff_only")


def test_no_credentials_on_the_staff_api_answer_not_authenticated(db, api):
    _error(api.get("/api/v1/staff/review-tasks/"), 403, "not_authenticated")


def test_a_staff_session_still_reads_the_staff_api(db, client):
    client.force_login(staff("uw", "underwriter"))
    assert client.get("/api/v1/staff/review-tasks/").status_code == 200


def test_a_borrower_token_on_the_schema_is_not_refused(db, api):
    sign_in(api)
    assert api.get("/api/schema/?format=json").status_code == 200
