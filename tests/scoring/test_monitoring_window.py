import datetime as dt

import numpy as np
from django.utils import timezone

from loans.business_date import set_business_date
from scoring.models import ScoreResult
from scoring.monitoring import monitoring_report
from tests.factories import BorrowerFactory, applied_loan
from tests.scoring.conftest import clean_bureau
from zaymer.pipeline import score_and_route


def _decide_on(on: dt.date) -> ScoreResult:
    set_business_date(on=on)
    return score_and_route(loan_id=applied_loan(borrower=clean_bureau(BorrowerFactory())).pk)


def test_the_window_is_the_30_business_dates_up_to_the_report_date(business_date, champion_at):
    champion_at(0.05)
    on = business_date
    inside = [_decide_on(on - dt.timedelta(days=days)) for days in (29, 10, 0)]
    _decide_on(on - dt.timedelta(days=30))
    _decide_on(on + dt.timedelta(days=1))  # a later date than the report's
    # The wall clock says the opposite: the decisions inside the window were made long ago.
    ScoreResult.objects.filter(pk__in=[r.pk for r in inside]).update(
        created_at=timezone.now() - dt.timedelta(days=365)
    )

    report = monitoring_report(on=on)

    assert report.since == on - dt.timedelta(days=29)
    assert [row["total"] for row in report.rates] == [3]
    assert report.drift[0].rows == 3


def test_drift_of_a_bureau_attribute_reads_each_decisions_stored_vector(business_date, champion_at):
    model = champion_at(0.05)
    model.feature_sample = {"bki_attr_00003": [0.0] * 50 + [10.0] * 50}
    model.save()
    attributes = np.zeros(20)
    attributes[3] = 10.0
    for _ in range(3):
        borrower = clean_bureau(BorrowerFactory(), attributes=attributes)
        score_and_route(loan_id=applied_loan(borrower=borrower).pk)

    (row,) = [d for d in monitoring_report(on=business_date).drift if d.name == "bki_attr_00003"]

    assert row.rows == 3
    assert row.flagged  # every decision at 10.0 against a half-and-half training sample
