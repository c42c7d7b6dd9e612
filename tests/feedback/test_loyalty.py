import datetime as dt

import pytest

from feedback import selectors, services
from feedback.selectors import History
from tests.conftest import ISSUE_DATE
from tests.factories import BorrowerFactory
from tests.feedback.conftest import closed_loan
from tests.loans.helpers import issued

DAY = dt.timedelta(days=1)
GOLD = History(loans_repaid=3, on_time_percent=90, max_days_past_due=5, tenure_days=60)


def test_history_from_the_loans_and_their_transitions(business_date):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE - 100 * DAY, borrower=borrower)
    closed_loan(on=ISSUE_DATE - 50 * DAY, borrower=borrower, overdue_days=12)
    closed_loan(on=ISSUE_DATE - 10 * DAY, borrower=borrower)
    issued(borrower=borrower, on=ISSUE_DATE)  # live, never overdue

    history = selectors.borrower_history(borrower=borrower, on=ISSUE_DATE)
    # 2 of 3 on time = 66.67 %, rounded down
    assert history == History(
        loans_repaid=3, on_time_percent=66, max_days_past_due=12, tenure_days=100
    )


def test_a_borrower_without_loans_has_an_empty_history(db):
    assert selectors.borrower_history(borrower=BorrowerFactory(), on=ISSUE_DATE) == History(
        0, 0, 0, 0
    )


@pytest.mark.parametrize(
    ("history", "tier"),
    [
        (GOLD, "gold"),
        (History(2, 90, 5, 60), "bronze"),  # one loan short of gold, not on time for silver
        (History(3, 89, 5, 60), "bronze"),  # on-time share below gold's
        (History(3, 100, 6, 60), "bronze"),  # overdue longer than gold allows
        (History(3, 90, 5, 59), "bronze"),  # tenure short
        (History(2, 100, 0, 0), "silver"),
        (History(1, 0, 60, 0), "bronze"),
        (History(1, 0, 61, 0), None),
        (History(0, 0, 0, 0), None),
    ],
)
def test_the_highest_tier_whose_every_threshold_holds(tiers, history, tier):
    found = selectors.tier_for(history=history)
    assert (found.code if found else None) == tier


def test_an_inactive_tier_is_skipped_and_thresholds_are_edited_in_place(tiers):
    tiers["gold"].is_active = False
    tiers["gold"].save()
    assert selectors.tier_for(history=GOLD).code == "bronze"
    tiers["gold"].is_active = True
    tiers["gold"].min_loans_repaid = 4
    tiers["gold"].save()
    assert selectors.tier_for(history=GOLD).code == "bronze"


def test_the_snapshot_follows_each_closing(tiers, business_date):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE - 10 * DAY, borrower=borrower)
    snapshot = services.loyalty_refresh(borrower=borrower, on=ISSUE_DATE - 10 * DAY)
    assert (snapshot.tier.code, snapshot.loans_repaid) == ("bronze", 1)
    assert selectors.loyalty_tier(borrower=borrower).code == "bronze"

    closed_loan(on=ISSUE_DATE, borrower=borrower)
    services.offers_daily(on=ISSUE_DATE)
    snapshot.refresh_from_db()
    assert (snapshot.tier.code, snapshot.loans_repaid, snapshot.on_time_percent) == (
        "silver",
        2,
        100,
    )
    assert snapshot.computed_on == ISSUE_DATE
