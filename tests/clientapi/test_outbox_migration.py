"""The outbox moved from clientapi to the loan core: its rows move with it, none is sent again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("clientapi", "0001_initial"), ("loans", "0003_roles")]
AFTER = [("clientapi", "0002_borrower_messages_moved_to_loans")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


# serialized_rollback: the seeded rows (limits, regions) come back after the flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_messages_move_to_the_loan_core():
    old = _migrate(BEFORE).get_model("clientapi", "BorrowerMessage")
    sent_at = timezone.now() - dt.timedelta(days=1)
    created = timezone.now() - dt.timedelta(days=2)
    old.objects.create(phone="+79161234567", kind="code_sign_in", body="Код 1111", sent_at=sent_at)
    old.objects.create(phone="+79161234568", kind="code_sign_in", body="Код 2222")
    old.objects.update(created_at=created)

    try:
        moved = _migrate(AFTER).get_model("loans", "BorrowerMessage")
        rows = list(
            moved.objects.order_by("pk").values_list(
                "phone", "body", "status", "sent_at", "created_at", "last_error"
            )
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert rows == [
        ("+79161234567", "Код 1111", "sent", sent_at, created, ""),
        ("+79161234568", "Код 2222", "failed", None, created, rows[1][5]),
    ]
    assert rows[1][5].startswith("never sent")
