"""The collection model's rows: was an overdue debt recovered within 30 days of its case
opening, under the method its strategy chose then?

A row is a case as it was opened (its first history record: days past due, debt and strategy,
the method, which is a categorical input), with the debtor's history facts as of that day
(scoring.precollection.History). The target is the bad outcome, as for every kind: not paid,
cured or restructured within RECOVERY_DAYS. A case opened less than RECOVERY_DAYS before the
business date is immature: left out and counted. The collection app registers this builder
with scoring's registry of kinds (scoring.kinds), which is a floor below it.
"""

from datetime import date, timedelta

import numpy as np
from django.utils.translation import gettext as _

from collection.models import ClosingReason, CollectionCase
from scoring.datasets import Dataset, TrainingDataError
from scoring.precollection import History

RECOVERY_DAYS = 30
RECOVERED = (ClosingReason.PAID_IN_FULL, ClosingReason.CURED, ClosingReason.RESTRUCTURED)
NUMERIC = ("days_past_due", "debt_kop", "principal_kop", "was_overdue_before", "closed_loans")
CATEGORICAL = ("method",)


def _as_opened(case_ids: list[int]) -> dict[int, tuple[int, int, str]]:
    """Each case's days past due, debt and strategy in its first history record."""
    first: dict[int, tuple[int, int, str]] = {}
    records = CollectionCase.history.filter(id__in=case_ids).order_by("history_date", "history_id")
    for pk, dpd, debt, strategy in records.values_list(
        "id", "days_past_due", "debt_kop", "strategy"
    ):
        first.setdefault(pk, (dpd, debt, strategy))
    return first


def collection_dataset(*, on: date) -> Dataset:
    """Every case whose 30 days from opening have passed by business date `on`."""
    window = timedelta(days=RECOVERY_DAYS)
    cases = list(
        CollectionCase.objects.values_list(
            "pk",
            "borrower_id",
            "loan_id",
            "loan__principal_kop",
            "opened_on",
            "closed_on",
            "closing_reason",
        ).order_by("opened_on", "pk")
    )
    matured = [c for c in cases if c[4] + window < on]
    if not matured:
        raise TrainingDataError(
            _("No collection case opened more than %(days)s days before %(on)s (%(open)s younger)")
            % {"days": RECOVERY_DAYS, "on": on, "open": len(cases)}
        )
    opened = _as_opened([c[0] for c in matured])
    history = History.of({c[1] for c in matured})
    x_num, methods, y = [], [], []
    for pk, borrower_id, loan_id, principal, opened_on, closed_on, reason in matured:
        dpd, debt, strategy = opened[pk]
        facts = history.facts(borrower_id=borrower_id, loan_id=loan_id, as_of=opened_on)
        recovered = (
            closed_on is not None and closed_on <= opened_on + window and reason in RECOVERED
        )
        x_num.append(
            [
                dpd,
                debt,
                np.nan if principal is None else principal,
                facts["was_overdue_before"],
                facts["closed_loans"],
            ]
        )
        methods.append([strategy])
        y.append(not recovered)
    target = np.array(y, dtype=np.int8)
    return Dataset(
        numeric=list(NUMERIC),
        categorical=list(CATEGORICAL),
        x_num=np.array(x_num, dtype=np.float64),
        x_cat=np.array(methods, dtype=object),
        y=target,
        order=np.array([c[4].toordinal() for c in matured], dtype=np.float64),
        source="database",
        target=f"not recovered within {RECOVERY_DAYS} days of the case opening",
        time_from=matured[0][4],
        time_to=matured[-1][4],
        notes={"cases": len(matured), "immature_excluded": len(cases) - len(matured)},
    )
