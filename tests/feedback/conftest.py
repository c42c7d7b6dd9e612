import datetime as dt
import itertools

import pytest

from clientapi.models import ClientAccount
from feedback.models import LoyaltyTier
from loans import services as loan_services
from loans.business_date import set_business_date
from loans.models import Borrower, Loan, LoanStatus, TransitionLog
from tests.clientapi.conftest import (  # noqa: F401 - fixtures
    _fresh_throttles,
    api,
    api_factory,
    borrower_api,
)
from tests.loans.helpers import issued
from tests.scoring.conftest import _isolated_scoring  # noqa: F401 - fixture

_events = itertools.count(1)


def log_overdue(loan: Loan, *, since: dt.date, days: int) -> None:
    """An overdue episode in the loan's transition log: missed on `since`, cured `days` later
    (what COB and a payment write)."""
    for transition, source, target, day in (
        ("miss_due_date", "serviced", "overdue", since),
        ("cure", "overdue", "serviced", since + dt.timedelta(days=days)),
    ):
        TransitionLog.objects.create(
            loan=loan,
            transition=transition,
            source=source,
            target=target,
            actor_label="system",
            business_date=day,
        )


def repay(loan: Loan) -> Loan:
    loan = Loan.objects.get(pk=loan.pk)
    amount = loan_services.repayment_quote_kop(loan=loan)
    loan_services.loan_repay(
        loan=loan, amount_kop=amount, provider="test", event_id=f"repay-{next(_events)}"
    )
    loan = Loan.objects.get(pk=loan.pk)
    assert loan.status == LoanStatus.CLOSED
    return loan


def closed_loan(
    *, on: dt.date, borrower: Borrower | None = None, overdue_days: int = 0, **kwargs
) -> Loan:
    """A loan issued on `on` and repaid the same day, after `overdue_days` of logged overdue."""
    set_business_date(on=on)
    loan = issued(borrower=borrower, **kwargs)
    if overdue_days:
        log_overdue(loan, since=on, days=overdue_days)
    return repay(loan)


def borrower_of(client) -> Borrower:
    return ClientAccount.objects.get(phone=client.phone).borrower


@pytest.fixture
def tiers(db):
    """Three tiers: each asks more than the one below and gives more."""
    LoyaltyTier.objects.all().delete()
    return {
        tier.code: tier
        for tier in LoyaltyTier.objects.bulk_create(
            [
                LoyaltyTier(
                    code="bronze",
                    name="Bronze",
                    rank=1,
                    min_loans_repaid=1,
                    max_days_past_due=60,
                    offer_amount_limit_kop=1_500_000,
                    offer_rate_discount_ppm=500,
                ),
                LoyaltyTier(
                    code="silver",
                    name="Silver",
                    rank=2,
                    min_loans_repaid=2,
                    min_on_time_percent=100,
                    max_days_past_due=0,
                    offer_amount_limit_kop=2_000_000,
                    offer_rate_discount_ppm=1000,
                ),
                LoyaltyTier(
                    code="gold",
                    name="Gold",
                    rank=3,
                    min_loans_repaid=3,
                    min_on_time_percent=90,
                    max_days_past_due=5,
                    min_tenure_days=60,
                    offer_amount_limit_kop=5_000_000,
                    offer_rate_discount_ppm=2000,
                ),
            ]
        )
    }
