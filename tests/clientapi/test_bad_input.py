"""Bad input that used to answer 500: deep JSON, a non-ASCII signature."""

import hashlib
import hmac
import json

import pytest
from django.conf import settings

from clientapi.models import WebhookEvent
from tests.clientapi.conftest import sign_in, signed_event

DEEP = b"[" * 20_000 + b"]" * 20_000


def _post(api, path, body, **headers):
    return api.post(path, body, content_type="application/json", **headers)


def _refused_as_too_deep(answer) -> None:
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "json_too_deep"


def test_deep_json_is_refused_on_an_anonymous_endpoint(db, api):
    _refused_as_too_deep(_post(api, "/api/v1/auth/code/", DEEP))


def test_deep_json_is_refused_on_an_authenticated_endpoint(db, api):
    sign_in(api)
    _refused_as_too_deep(_post(api, "/api/v1/consents/", DEEP))


def test_deep_json_is_refused_on_the_signed_webhook(db, api):
    deep = b'{"event_id": "e1", "type": "payment.succeeded", "data": ' + DEEP + b"}"
    key = settings.PAYMENT_WEBHOOK_SECRET.encode()
    signature = "sha256=" + hmac.new(key, deep, hashlib.sha256).hexdigest()
    answer = _post(api, "/api/v1/webhooks/payments/", deep, HTTP_X_SIGNATURE=signature)
    _refused_as_too_deep(answer)
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("depth", [1, 32])
def test_json_up_to_the_depth_limit_is_parsed(db, api, depth):
    body = json.dumps(
        {
            "phone": "+79161234567",
            "x": json.loads("[" * (depth - 1) + "]" * (depth - 1)) if depth > 1 else 0,
        }
    )
    assert _post(api, "/api/v1/auth/code/", body.encode()).status_code == 202


def test_brackets_inside_strings_do_not_count_as_depth(db, api):
    body = json.dumps({"phone": "+79161234567", "note": "[" * 1000}).encode()
    assert _post(api, "/api/v1/auth/code/", body).status_code == 202


def test_a_non_ascii_signature_is_refused_with_403(db, api):
    body, _ = signed_event({"event_id": "e2", "type": "payment.succeeded", "data": {}})
    answer = _post(api, "/api/v1/webhooks/payments/", body, HTTP_X_SIGNATURE="sha256=подпись")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "bad_signature"
    assert not WebhookEvent.objects.exists()
