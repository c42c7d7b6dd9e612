"""The night's work in one ordered list, run by the django-q2 schedule (`zaymer.tasks.run_cob`),
`manage.py nightly` and `manage.py cob` alike.

The loan core closes each open business day in turn (`loans.cob`: accrual, overdue, days past
due, the card's credit lines, the bureaus' events); each day it closes is followed by
`EACH_DAY`, and the night ends with `AFTER_THE_DAYS` once every day is closed.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from django.db import transaction

from collection.cob import run_pending_days
from collection.tasks import schedule_reminder_sending
from feedback.tasks import run_daily
from loans.cob import close_next_day
from loans.models import BusinessDate, CobRun
from zaymer.dashboards import snapshots_build

log = logging.getLogger(__name__)


def _collection(on: date) -> object:
    return run_pending_days()


def _surveys_and_offers(on: date) -> object:
    return run_daily(on=on)


def _dashboards(closed: list[date]) -> object:
    return snapshots_build() if closed else None


# After the loan core closes a day, for that day.
EACH_DAY: tuple[tuple[str, Callable[[date], object]], ...] = (
    ("collection", _collection),
    ("surveys and offers", _surveys_and_offers),
)
# Once the days are closed; collection catches up a day an earlier night closed but did not finish.
AFTER_THE_DAYS: tuple[tuple[str, Callable[[list[date]], object]], ...] = (
    ("collection catch-up", lambda closed: run_pending_days()),
    ("reminder sending", lambda closed: schedule_reminder_sending()),
    ("dashboards", _dashboards),
)


@contextmanager
def _one_night_at_a_time() -> Iterator[None]:
    """The business-date row's lock, which the loan core holds while it closes a day: two
    schedulers started at once run each step once, between one day's close and the next's."""
    with transaction.atomic():
        BusinessDate.objects.select_for_update().get(pk=1)
        yield


def run_night(*, until: date) -> list[CobRun]:
    """Close every open business day up to and including `until`, in order, each followed by
    its steps, then the night's last steps. Safe to repeat: a closed day is not closed again."""
    runs = []
    while (run := close_next_day(until=until)) is not None:
        runs.append(run)
        with _one_night_at_a_time():
            for name, step in EACH_DAY:
                log.info("nightly %s: %s: %s", run.business_date, name, step(run.business_date))
    closed = [run.business_date for run in runs]
    with _one_night_at_a_time():
        for name, last_step in AFTER_THE_DAYS:
            log.info("nightly: %s: %s", name, last_step(closed))
    return runs
