"""Training rows are the features as they were at the decision, not the borrower as now."""

import numpy as np

from scoring import services
from scoring.book import training_rows
from scoring.bureau import ask_bureaus
from scoring.models import ScoreResult
from scoring.outcomes import Outcome
from scoring.snapshot import unpack_attributes
from tests.factories import BorrowerFactory, live_loan
from tests.scoring.conftest import clean_bureau

WIDTH = 20


def _outcome(loan) -> Outcome:
    return Outcome(loan_id=loan.pk, signed_on=loan.signed_on, due_date=loan.signed_on, bad=False)


def _edit(borrower) -> None:
    borrower.declared_income_kop = 50_000_000
    borrower.employment = "unemployed"
    borrower.save()


def _borrower():
    return clean_bureau(BorrowerFactory(declared_income_kop=5_000_000, employment="employed"))


def test_a_decided_loan_s_row_is_its_stored_snapshot_after_the_borrower_is_edited(business_date):
    loan = live_loan(on=business_date, borrower=_borrower())
    bureau = ask_bureaus(borrower=loan.borrower, as_of=business_date, width=WIDTH)
    services.score_application(loan=loan, bureau=bureau)
    stored = ScoreResult.objects.get(loan=loan)

    _edit(loan.borrower)
    row = training_rows([_outcome(loan)], width=WIDTH)[loan.pk]

    assert row.from_snapshot
    assert row.features == stored.snapshot["features"]
    assert (row.features["income_rub"], row.features["employment"]) == (50_000, "employed")
    np.testing.assert_array_equal(row.attributes, unpack_attributes(stored.bureau_attributes))


def test_a_loan_decided_without_a_snapshot_is_rebuilt_from_the_borrower_of_that_moment(
    business_date,
):
    loan = live_loan(on=business_date, borrower=_borrower())
    before = training_rows([_outcome(loan)], width=WIDTH)[loan.pk]

    _edit(loan.borrower)
    after = training_rows([_outcome(loan)], width=WIDTH)[loan.pk]

    assert not after.from_snapshot
    assert after.features == before.features
    assert (after.features["income_rub"], after.features["employment"]) == (50_000, "employed")
    np.testing.assert_array_equal(after.attributes, before.attributes)
    assert after.decided_on == business_date
