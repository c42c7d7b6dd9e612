"""The client's address: X-Forwarded-For counts only when a trusted proxy sends it."""

import pytest
from django.test import RequestFactory
from rest_framework.throttling import SimpleRateThrottle

from clientapi.client_ip import client_ip
from clientapi.models import Consent
from clientapi.selectors import CONSENT_DOCUMENT_VERSIONS
from tests.clientapi.conftest import sign_in


@pytest.fixture
def strict_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "code_phone": "100/hour", "code_ip": "2/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _code(api, n: int, **meta):
    return api.post("/api/v1/auth/code/", {"phone": f"+7916555000{n}"}, format="json", **meta)


def _ip(remote: str, forwarded: str | None = None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


def test_a_spoofed_forwarded_for_does_not_lift_the_code_limit(db, api, strict_rates):
    answers = [_code(api, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)]
    assert answers == [202, 202, 429, 429]


def test_a_spoofed_forwarded_for_does_not_lift_the_sign_in_limit(db, api, monkeypatch):
    rates = {
        **SimpleRateThrottle.THROTTLE_RATES,
        "sign_in_phone": "100/hour",
        "sign_in_ip": "2/hour",
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    answers = [
        api.post(
            "/api/v1/auth/token/",
            {"phone": "+79165550001", "code": "123456"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert answers == [400, 400, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    db, api, strict_rates, settings
):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    first = [_code(api, n, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code for n in range(3)]
    other = _code(api, 5, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code
    assert first == [202, 202, 429]
    assert other == 202


def test_the_right_most_address_that_is_not_a_trusted_proxy_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    assert _ip("10.0.0.5", "1.1.1.1, 203.0.113.9, 192.0.2.1, 10.1.1.1") == "203.0.113.9"
    assert _ip("10.0.0.5", "203.0.113.9") == "203.0.113.9"
    # Not from a proxy: the header is the client's own words.
    assert _ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"
    # Garbage left of our proxies: the last proxy is all that is known.
    assert _ip("10.0.0.5", "203.0.113.9, junk, 10.1.1.1") == "10.1.1.1"
    assert _ip("10.0.0.5") == "10.0.0.5"


def test_without_trusted_proxies_the_header_is_ignored():
    assert _ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"
    assert _ip("not an address") is None


def test_a_count_of_proxy_hops_picks_the_address_that_far_from_the_right(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert _ip("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.4") == "203.0.113.9"
    # Fewer entries than proxies: the request went around them.
    assert _ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"


def test_a_bad_trusted_proxy_setting_stops_the_start(monkeypatch):
    import subprocess
    import sys

    env = {"DEBUG": "1", "TRUSTED_PROXIES": "10.0.0.0/8,not-a-network", "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", "import zaymer.settings"], env=env, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "TRUSTED_PROXIES" in out.stderr


def test_a_consent_records_the_proxied_client_address(db, api, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    sign_in(api)
    kind, version = next(iter(CONSENT_DOCUMENT_VERSIONS.items()))
    answer = api.post(
        "/api/v1/consents/",
        {"kind": kind, "document_version": version},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.50",
    )
    assert answer.status_code == 201
    assert Consent.objects.get().ip == "203.0.113.50"


def test_staff_sign_in_failures_are_logged_with_remote_addr_not_the_header(db, client):
    from axes.models import AccessAttempt

    client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]
