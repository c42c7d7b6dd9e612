"""Decisions stored before the bureau vector had a column of its own keep what they knew."""

import base64
import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from scoring.models import ScoreResult
from scoring.snapshot import unpack_attributes
from tests.factories import applied_loan

# serialized_rollback: the seeded rows (limits, regions, cut-offs) come back after a flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("scoring", "0002_default_cutoffs")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_an_old_decision_gets_its_vector_and_business_date_out_of_its_snapshot(db):
    loan = applied_loan()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("scoring")
    vector = np.array([0.5, np.nan, -1.25, 1e-300])
    packed = {"dtype": "<f8", "base64": base64.b64encode(vector.tobytes()).decode("ascii")}
    snapshot = {"as_of": "2026-10-30", "features": {"max_dpd": 0}, "bureau_attributes": packed}
    old = _migrate(BEFORE)
    try:
        old.get_model("scoring", "ScoreResult").objects.create(
            loan_id=loan.pk,
            method="rules",
            segment="new",
            decision="refer",
            requested_amount_kop=1_000_000,
            reasons=[],
            snapshot=snapshot,
            policy={},
            latency_ms=1.0,
        )

        _migrate(latest)
        result = ScoreResult.objects.get(loan=loan)
        assert result.business_date == dt.date(2026, 10, 30)
        assert result.snapshot == {"as_of": "2026-10-30", "features": {"max_dpd": 0}}
        np.testing.assert_array_equal(unpack_attributes(result.bureau_attributes), vector)

        old = _migrate(BEFORE)
        back = old.get_model("scoring", "ScoreResult").objects.get(loan_id=loan.pk)
        assert back.snapshot == snapshot
    finally:
        _migrate(latest)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_postgresql_does_not_try_to_compress_the_vector(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'scoring_scoreresult'::regclass"
            " AND attname = 'bureau_attributes'"
        )
        assert cursor.fetchone() == ("e",)
