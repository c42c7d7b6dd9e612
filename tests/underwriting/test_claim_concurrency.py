import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.underwriting.conftest import referred_task, staff
from underwriting import services
from underwriting.models import ReviewTask

CLAIMERS = 8
TASKS = 24


def test_the_conditional_claim_moves_past_a_task_taken_meanwhile(make_task, underwriter):
    taken, free = make_task(), make_task()
    other = staff("uw-other", "underwriter")
    services.review_claim(task_id=taken.pk, actor=other)
    # The list was read before `other` claimed: the UPDATE must not steal it.
    won = services._first_free([taken.pk, free.pk], actor=underwriter, now=timezone.now())
    assert won == free.pk
    assert ReviewTask.objects.get(pk=taken.pk).assigned_to == other
    assert ReviewTask.objects.get(pk=free.pk).assigned_to == underwriter


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_concurrent_claimers_never_get_the_same_task(business_date):
    if connection.vendor != "postgresql":
        pytest.skip("threads need a server database; SQLite's claim is tested above")
    for _ in range(TASKS):
        referred_task()
    users = [staff(f"claimer{n}", "underwriter") for n in range(CLAIMERS)]
    claimed: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(CLAIMERS)

    def work(user):
        try:
            start.wait()
            while True:
                task = services.review_claim_next(actor=user)
                if task is None:
                    return
                claimed.append(task.pk)
                services.review_decline(task_id=task.pk, actor=user, reasons=["debt_load"])
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    counts = Counter(claimed)
    assert len(counts) == TASKS and max(counts.values()) == 1
