"""Two workers take the same application at once (a task delivered twice, both deliveries
running): one decision, one route. Each thread has its own database connection, as each worker
would."""

import threading

import pytest
from django.db import connection, connections
from django.db.models import Count

from loans.models import Loan, LoanStatus, TransitionLog
from scoring.models import ScoreResult
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import clean_bureau
from zaymer import pipeline

WORKERS = 2

# serialized_rollback: the seeded rows (limits, regions, cut-offs) come back after a flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_workers_scoring_one_application_at_once_decide_and_route_it_once(
    business_date, champion_at, monkeypatch
):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "SQLite's test database is in memory with a shared cache, where the second writer "
            "fails at once with 'database table is locked' instead of waiting for the first; "
            "on a database file (as `make run` uses) and on PostgreSQL this test runs."
        )
    champion_at(0.02)
    loan = applied_loan(borrower=clean_bureau(BorrowerFactory()))
    both_asked = threading.Barrier(WORKERS)
    ask_bureaus = pipeline.ask_bureaus

    def ask_at_once(**kwargs):
        # Both have seen the loan still applied before either of them decides.
        both_asked.wait(timeout=30)
        return ask_bureaus(**kwargs)

    monkeypatch.setattr(pipeline, "ask_bureaus", ask_at_once)
    results: list[ScoreResult | None] = [None] * WORKERS
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results[i] = pipeline.score_and_route(loan_id=loan.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert results[0] is not None and results[1] is not None
    assert results[0].pk == results[1].pk
    assert ScoreResult.objects.filter(loan=loan).count() == 1
    transitions = dict(
        TransitionLog.objects.filter(loan=loan).values_list("transition").annotate(n=Count("id"))
    )
    assert transitions == {"score": 1, "approve": 1}
    assert Loan.objects.get(pk=loan.pk).status == LoanStatus.APPROVED
