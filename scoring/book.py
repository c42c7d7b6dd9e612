"""Training rows from the book: each loan's features as they were at its decision.

A loan the scoring app decided has a ScoreResult whose snapshot holds every feature and the
bureau vector of that moment (what `rescore()` re-runs): its row is that snapshot, so a
borrower edited since does not change it. A loan decided without one (before the scoring app,
or by the demo's simulated robot) is rebuilt as of its decision day from the borrower's
history record of that moment, never from the borrower as they are now.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Borrower, Loan, Region, TransitionLog
from scoring.bureau import ask_bureaus, attribute_name
from scoring.datasets import Dataset, TrainingDataError, require_two_classes
from scoring.features import CATEGORICAL, Application, named_features
from scoring.models import Purpose, ScoreResult
from scoring.outcomes import Outcome, matured_outcomes
from scoring.snapshot import unpack_attributes


@dataclass(frozen=True)
class Row:
    decided_on: date
    decided_at: datetime
    features: dict
    attributes: np.ndarray
    from_snapshot: bool


def _width(attributes: np.ndarray, width: int) -> np.ndarray:
    """The stored vector at the width asked for: cut, or padded with unknowns."""
    row = np.full(width, np.nan)
    row[: min(width, len(attributes))] = attributes[:width]
    return row


def snapshot_rows(loan_ids: list[int], *, width: int) -> dict[int, Row]:
    decisions = ScoreResult.objects.filter(
        loan_id__in=loan_ids, purpose=Purpose.APPLICATION
    ).values_list("loan_id", "snapshot", "bureau_attributes", "created_at")
    return {
        loan_id: Row(
            decided_on=date.fromisoformat(snapshot["as_of"]),
            decided_at=at,
            features=snapshot["features"],
            attributes=_width(unpack_attributes(attributes), width),
            from_snapshot=True,
        )
        for loan_id, snapshot, attributes, at in decisions
    }


def _decision_moments(loan_ids: list[int]) -> dict[int, tuple[date | None, datetime]]:
    """When each loan was scored (its first `score` transition): business date and moment."""
    moments: dict[int, tuple[date | None, datetime]] = {}
    for loan_id, on, at in (
        TransitionLog.objects.filter(loan_id__in=loan_ids, transition="score")
        .order_by("at", "id")
        .values_list("loan_id", "business_date", "at")
    ):
        moments.setdefault(loan_id, (on, at))
    return moments


def borrowers_as_of(moments: dict[int, tuple[int, datetime]]) -> dict[int, Borrower]:
    """Key → the borrower as their history recorded them at the moment (the earliest record
    when none is that old; no key for a borrower without history)."""
    history = apps.get_model("loans", "HistoricalBorrower")
    records: dict[int, list] = {}
    for record in history.objects.filter(id__in={b for b, _at in moments.values()}).order_by(
        "history_date", "history_id"
    ):
        records.setdefault(record.id, []).append(record)
    regions = Region.objects.in_bulk()
    found = {}
    for key, (borrower_id, at) in moments.items():
        versions = records.get(borrower_id)
        if not versions:
            continue
        index = bisect_right([r.history_date for r in versions], at)
        borrower = versions[max(index - 1, 0)].instance
        borrower.region = regions[borrower.region_id]
        found[key] = borrower
    return found


def rebuilt_rows(loans: dict[int, Loan], *, width: int) -> dict[int, Row]:
    moments = _decision_moments(list(loans))
    when = {pk: moments.get(pk, (None, loan.applied_at)) for pk, loan in loans.items()}
    borrowers = borrowers_as_of({pk: (loans[pk].borrower_id, at) for pk, (_on, at) in when.items()})
    rows = {}
    for pk, loan in loans.items():
        on, at = when[pk]
        decided_on = on or timezone.localdate(at)
        borrower = borrowers.get(pk, loan.borrower)
        bureau = ask_bureaus(borrower=borrower, as_of=decided_on, width=width)
        app = Application.of_loan(loan, bureau=bureau)
        rows[pk] = Row(
            decided_on=decided_on,
            decided_at=at,
            features=named_features(borrower, app, decided_on),
            attributes=bureau.primary.attributes,
            from_snapshot=False,
        )
    return rows


def training_rows(outcomes: list[Outcome], *, width: int) -> dict[int, Row]:
    ids = [o.loan_id for o in outcomes]
    rows = snapshot_rows(ids, width=width)
    rest = Loan.objects.select_related("product", "borrower__region").in_bulk(
        [pk for pk in ids if pk not in rows]
    )
    return rows | rebuilt_rows(rest, width=width)


def application_dataset(*, on: date, bad_dpd: int, horizon_days: int, bureau_width: int) -> Dataset:
    """Every issued loan whose outcome has matured by business date `on`, with its features as
    of its decision, in the order of the decisions (the holdout is the latest of them, by the
    moment of the decision)."""
    matured = matured_outcomes(on=on, bad_dpd=bad_dpd, horizon_days=horizon_days)
    outcomes = matured.outcomes
    if not outcomes:
        raise TrainingDataError(
            _(
                "No loan's outcome has matured by %(on)s (%(dpd)s+ days past due within "
                "%(horizon)s days of the due date; %(immature)s loans are still in their "
                "window); run seed_demo and COB first"
            )
            % {"on": on, "dpd": bad_dpd, "horizon": horizon_days, "immature": matured.immature}
        )
    by_loan = training_rows(outcomes, width=bureau_width)
    pairs = sorted(
        ((by_loan[o.loan_id], o) for o in outcomes),
        key=lambda pair: (pair[0].decided_at, pair[1].loan_id),
    )
    rows = [row for row, _outcome in pairs]
    names = list(dict.fromkeys(name for row in rows for name in row.features))
    categorical = [name for name in names if name in CATEGORICAL]
    numeric = [name for name in names if name not in CATEGORICAL]
    x_named = np.array(
        [[_number(row.features.get(n)) for n in numeric] for row in rows], dtype=np.float64
    )
    y = np.array([o.bad for _row, o in pairs], dtype=np.int8)
    require_two_classes(y, target="bad", positive="1")
    snapshots = sum(row.from_snapshot for row in rows)
    return Dataset(
        numeric=[*numeric, *(attribute_name(i) for i in range(bureau_width))],
        categorical=categorical,
        x_num=np.hstack(
            [x_named, np.array([row.attributes for row in rows]).reshape(len(rows), bureau_width)]
        ),
        x_cat=np.array([[row.features.get(n) for n in categorical] for row in rows], dtype=object),
        y=y,
        order=np.array([row.decided_at.timestamp() for row in rows], dtype=np.float64),
        source="database",
        target=f"{bad_dpd}+ DPD within {horizon_days} days of the due date",
        time_from=rows[0].decided_on,
        time_to=rows[-1].decided_on,
        notes={
            "rows_from_snapshots": snapshots,
            "rows_rebuilt_as_of_decision": len(rows) - snapshots,
            "immature_excluded": matured.immature,
            "matured_by": on.isoformat(),
        },
    )


def _number(value) -> float:
    return np.nan if value is None else float(value)
