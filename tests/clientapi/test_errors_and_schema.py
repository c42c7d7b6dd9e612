from django.utils import translation

from tests.clientapi.conftest import sign_in


def test_malformed_oversized_and_wrong_types(db, api):
    sign_in(api)
    broken = api.post("/api/v1/consents/", b"{not json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_json"
    big = api.post(
        "/api/v1/consents/",
        b'{"kind": "' + b"x" * 70_000 + b'"}',
        content_type="application/json",
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "body_too_large"
    typed = api.post("/api/v1/calculator/", {"product": "p", "amount_kop": "lots", "term_days": 5})
    assert typed.status_code in (400, 415)
    wrong = api.post(
        "/api/v1/calculator/",
        {"product": "p", "amount_kop": "lots", "term_days": 5},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert wrong.json()["error"] == {
        "code": "invalid",
        "message": "A valid integer is required.",
        "field": "amount_kop",
    }


def test_schema_and_docs_are_served_from_local_assets(db, client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/applications/{id}/sign/" in schema.json()["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "//unpkg" not in docs


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


BORROWER_FACING_MODULES = ("loans.errors", "loans.regulation", "feedback.errors")


def test_every_borrower_facing_refusal_has_wording_in_both_languages():
    import feedback.errors  # noqa: F401
    import loans.regulation  # noqa: F401
    from clientapi.errors import MESSAGES
    from loans.errors import DomainError

    codes = {DomainError.code} | {
        error.code
        for error in _subclasses(DomainError)
        if error.__module__ in BORROWER_FACING_MODULES
    }
    missing = sorted(code for code in codes if code not in MESSAGES)
    assert missing == []
    assert all(ru and en and ru != en for ru, en in (_both(MESSAGES[code]) for code in codes))


def _both(wording) -> tuple[str, str]:
    """The Russian and the English text of a gettext string."""
    with translation.override("ru"):
        ru = str(wording)
    with translation.override("en"):
        return ru, str(wording)


def test_the_schema_is_valid_and_generates_without_warnings(db):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    assert not GENERATOR_STATS, "drf-spectacular warned or failed while generating the schema"
    assert "/api/v1/credit-lines/{id}/repayments/" in schema["paths"]
