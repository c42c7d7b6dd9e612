"""The pre-collection model's rows: will a loan miss its next due date?

Each row is a due date of a loan's schedule as the book stood PRECOLLECTION lead days before
it (COLLECTION_PRECOLLECTION_DAYS, when the night plans the reminders): the loan live and not
overdue then, its borrower's history up to that day. The target is the loan going overdue on
that due date. A due date whose day has not been closed yet is immature: left out and counted.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from loans.models import Loan, ScheduleItem, TransitionLog
from scoring.datasets import Dataset, TrainingDataError

FEATURES = ("principal_kop", "was_overdue_before", "closed_loans")
ENDS = ("repay_in_full", "write_off")


def lead_days() -> int:
    return int(getattr(settings, "COLLECTION_PRECOLLECTION_DAYS", 3))


@dataclass
class History:
    """Each borrower's loan events by business date, to read their facts as of a day."""

    events: dict[int, list[tuple[date, int, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, borrower_ids: set[int]) -> "History":
        history = cls()
        rows = TransitionLog.objects.filter(
            loan__borrower_id__in=borrower_ids,
            transition__in=("miss_due_date", "cure", *ENDS),
        ).values_list("loan__borrower_id", "business_date", "loan_id", "transition")
        for borrower_id, day, loan_id, name in rows.order_by("business_date", "id"):
            history.events.setdefault(borrower_id, []).append((day, loan_id, name))
        return history

    def facts(self, *, borrower_id: int, loan_id: int | None, as_of: date) -> dict[str, float]:
        """What the night's facts say (collection.prediction) as the book stood before `as_of`:
        another loan of the borrower ever overdue, their other loans repaid."""
        before = [e for e in self.events.get(borrower_id, []) if e[0] < as_of]
        others = [e for e in before if e[1] != loan_id]
        return {
            "was_overdue_before": float(any(name == "miss_due_date" for *_e, name in others)),
            "closed_loans": float(sum(name == "repay_in_full" for *_e, name in others)),
        }

    def live_and_current(self, *, borrower_id: int, loan_id: int, as_of: date) -> bool:
        state = "current"
        for day, loan, name in self.events.get(borrower_id, []):
            if loan != loan_id or day >= as_of:
                continue
            state = {"miss_due_date": "overdue", "cure": "current"}.get(name, "ended")
        return state == "current"


def _due_dates(loan_ids: list[int]) -> dict[int, list[date]]:
    """Each loan's due dates as its schedules had them: a version's dates up to where the next
    version (a restructuring) takes over."""
    versions: dict[int, dict[int, list[date]]] = {}
    for loan_id, version, due in ScheduleItem.objects.filter(loan_id__in=loan_ids).values_list(
        "loan_id", "version", "due_date"
    ):
        versions.setdefault(loan_id, {}).setdefault(version, []).append(due)
    dues: dict[int, list[date]] = {}
    for loan_id, by_version in versions.items():
        numbers = sorted(by_version)
        for v, following in zip(numbers, [*numbers[1:], None], strict=True):
            until = min(by_version[following]) if following is not None else date.max
            dues.setdefault(loan_id, []).extend(d for d in by_version[v] if d < until)
    return dues


def pre_collection_dataset(*, on: date) -> Dataset:
    """Every due date closed before business date `on`, as seen `lead_days()` before it."""
    lead = timedelta(days=lead_days())
    loans = {
        pk: (borrower_id, signed_on, principal)
        for pk, borrower_id, signed_on, principal in Loan.objects.filter(
            issue_date__isnull=False
        ).values_list("pk", "borrower_id", "signed_on", "principal_kop")
    }
    history = History.of({borrower_id for borrower_id, *_rest in loans.values()})
    missed = set(
        TransitionLog.objects.filter(loan_id__in=loans, transition="miss_due_date").values_list(
            "loan_id", "business_date"
        )
    )
    rows, immature = [], 0
    for loan_id, dues in _due_dates(list(loans)).items():
        borrower_id, signed_on, principal = loans[loan_id]
        for due in sorted(dues):
            as_of = due - lead
            if signed_on is None or signed_on >= as_of:
                continue
            if not history.live_and_current(borrower_id=borrower_id, loan_id=loan_id, as_of=as_of):
                continue
            if due >= on:
                immature += 1
                continue
            facts = history.facts(borrower_id=borrower_id, loan_id=loan_id, as_of=as_of)
            late = (loan_id, due) in missed
            rows.append((as_of, loan_id, float(principal or 0), facts, late))
    if not rows:
        raise TrainingDataError(
            _("No due date has passed by %(on)s with its loan live %(lead)s days before it")
            % {"on": on, "lead": lead.days}
        )
    rows.sort(key=lambda row: (row[0], row[1]))
    y = np.array([row[4] for row in rows], dtype=np.int8)
    return Dataset(
        numeric=list(FEATURES),
        categorical=[],
        x_num=np.array(
            [
                [principal, f["was_overdue_before"], f["closed_loans"]]
                for _d, _l, principal, f, _y in rows
            ]
        ),
        x_cat=np.empty((len(rows), 0), dtype=object),
        y=y,
        order=np.array([row[0].toordinal() for row in rows], dtype=np.float64),
        source="database",
        target=f"overdue on the due date, seen {lead.days} days before it",
        time_from=rows[0][0],
        time_to=rows[-1][0],
        notes={"due_dates": len(rows), "immature_excluded": immature, "matured_by": on.isoformat()},
    )
