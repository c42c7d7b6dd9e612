"""A borrower's repayment history as the transition log tells it (the loan core's record)."""

from collections.abc import Iterable
from datetime import date

from loans.models import TransitionLog

# An overdue episode starts with `miss_due_date` and ends with any of these.
EPISODE_ENDS = ("cure", "repay_in_full", "write_off")
# Overdue this long means the loan went to collection (collection's own cases are not read
# here: the loan core's log is the one record every loan has).
COLLECTION_DAYS = 30


def worst_days_past_due(*, loan_ids: Iterable[int], on: date) -> dict[int, int]:
    """The longest overdue episode of each loan that was ever overdue, in days past due.

    COB logs `miss_due_date` on the day a due date passes (1 day past due); a payment on a
    later business date ends the episode at the days counted by the night before it. An
    episode still open counts through `on`.
    """
    rows = (
        TransitionLog.objects.filter(
            loan_id__in=list(loan_ids), transition__in=("miss_due_date", *EPISODE_ENDS)
        )
        .order_by("loan_id", "at", "id")
        .values_list("loan_id", "transition", "business_date")
    )
    worst: dict[int, int] = {}
    started: dict[int, date] = {}
    for loan_id, transition, day in rows:
        if transition == "miss_due_date":
            started.setdefault(loan_id, day)
        elif loan_id in started:
            days = max(1, (day - started.pop(loan_id)).days)
            worst[loan_id] = max(worst.get(loan_id, 0), days)
    for loan_id, begun in started.items():
        worst[loan_id] = max(worst.get(loan_id, 0), (on - begun).days + 1)
    return worst
