"""Throttle history lives in a database cache every worker process shares."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends import locmem
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from rest_framework.throttling import SimpleRateThrottle

from clientapi import throttles
from clientapi.throttles import THROTTLE_CACHE

TABLE = settings.CACHES[THROTTLE_CACHE]["LOCATION"]


@pytest.fixture
def strict_rates(monkeypatch):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "code_phone": "2/hour", "code_ip": "3/hour"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def _code(api, phone="+79161234567", **headers):
    return api.post("/api/v1/auth/code/", {"phone": phone}, format="json", **headers)


def _keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(TABLE)}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_migrate_creates_the_shared_cache_table(db):
    assert isinstance(caches[THROTTLE_CACHE], DatabaseCache)
    assert TABLE in connection.introspection.table_names()


def test_another_worker_process_sees_the_same_history(db, api, strict_rates, monkeypatch):
    assert [_code(api).status_code for _ in range(2)] == [202, 202]
    assert any("code_phone" in key for key in _keys())

    # A second worker: its own cache objects and none of this process's memory.
    locmem._caches.clear()
    monkeypatch.setattr(throttles._SharedHistory, "cache", caches.create_connection(THROTTLE_CACHE))
    refused = _code(api)

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"


def test_keys_stay_short_and_printable_whatever_the_client_sends(db, api, strict_rates):
    forged = {"HTTP_X_FORWARDED_FOR": "\x00" * 300 + "é" * 300}
    answers = [_code(api, phone=f"+7916000000{i}", **forged).status_code for i in range(4)]
    assert answers == [202, 202, 202, 429]  # per IP, however long the header
    # The header is not the address: another client, at another address, is not throttled.
    assert _code(api, phone="\x00" * 64, REMOTE_ADDR="198.51.100.9").status_code == 400
    keys = _keys()
    assert keys and all(len(key) < 80 and key.isprintable() and key.isascii() for key in keys)


def test_throttles_can_be_lifted_for_benchmarks(db, api, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", dict.fromkeys(SimpleRateThrottle.THROTTLE_RATES)
    )
    assert {_code(api).status_code for _ in range(12)} == {202}
    assert _keys() == []

    script = (
        "import json, zaymer.settings as s; "
        "print(json.dumps(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"
    )
    env = {**os.environ, "DEBUG": "1", "API_THROTTLES_OFF": "1"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    rates = json.loads(out.stdout)
    assert rates and set(rates.values()) == {None}
