"""Training counts only matured outcomes, and holds out the latest decisions."""

import datetime as dt

import numpy as np
import pytest

from loans import services
from loans.cob import run_cob_until
from scoring.datasets import Dataset, TrainingDataError
from scoring.outcomes import matured_outcomes
from scoring.training import time_split
from tests.factories import live_loan

BAD_DPD, HORIZON = 10, 20


def _repay(loan) -> None:
    loan.refresh_from_db()
    services.loan_repay(
        loan=loan,
        amount_kop=services.repayment_quote_kop(loan=loan),
        provider="sbx",
        event_id=f"p{loan.pk}",
    )


def test_a_cohort_in_its_window_is_left_out_whole_not_kept_for_its_repaid_loans(
    business_date, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the payouts are confirmed
        repaid, unpaid = live_loan(on=business_date), live_loan(on=business_date)
    _repay(repaid)
    due = max(item.due_date for item in unpaid.schedule_items.filter(version=1))
    run_cob_until(until=due + dt.timedelta(days=BAD_DPD + 1))

    early = matured_outcomes(on=due + dt.timedelta(days=BAD_DPD + 1), **_bad())
    assert (early.outcomes, early.immature) == ([], 2)

    run_cob_until(until=due + dt.timedelta(days=HORIZON + 1))
    late = matured_outcomes(on=due + dt.timedelta(days=HORIZON + 1), **_bad())
    assert late.immature == 0
    assert {(o.loan_id, o.bad) for o in late.outcomes} == {(repaid.pk, False), (unpaid.pk, True)}


def _bad() -> dict:
    return {"bad_dpd": BAD_DPD, "horizon_days": HORIZON}


def _days(*days: int) -> Dataset:
    rows = len(days)
    return Dataset(
        numeric=["x"],
        categorical=[],
        x_num=np.zeros((rows, 1)),
        x_cat=np.empty((rows, 0), dtype=object),
        y=np.zeros(rows, dtype=np.int8),
        order=np.array(days, dtype=np.float64),
        source="test",
        target="bad",
    )


def test_the_holdout_is_the_later_decision_days_with_no_day_on_both_sides():
    dataset = _days(*[3] * 4, *[1] * 8, *[2] * 8)  # 20 rows: a quarter would cut day 2

    fit, holdout = time_split(dataset, test_share=0.25)

    assert sorted(dataset.order[holdout]) == [3, 3, 3, 3]
    assert max(dataset.order[fit]) < min(dataset.order[holdout])


def test_a_book_decided_on_one_day_has_no_later_part_to_hold_out(english):
    with pytest.raises(TrainingDataError, match="same time key"):
        time_split(_days(*[5] * 20), test_share=0.25)
