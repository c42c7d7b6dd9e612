import json

import pytest
from django.db import connection

from tests.zaymer.test_production_mode import python

PRINT_OPTIONS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
)
PG_URL = "postgres://zaymer@127.0.0.1:5432/zaymer"


def _options(**env: str) -> dict:
    result = python("-c", PRINT_OPTIONS, DJANGO_SETTINGS_MODULE="zaymer.settings", DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_binds_parameters_on_the_server_and_prepares_repeated_statements():
    options = _options(DATABASE_URL=PG_URL)
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 2


def test_prepared_statements_can_be_switched_off_for_a_transaction_pooler():
    options = _options(DATABASE_URL=PG_URL, PG_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_test_database_runs_with_server_side_binding():
    assert connection.features.uses_server_side_binding
