"""Card offers: a tier that gives the virtual card offers it beside its loan offer."""

import datetime as dt

import pytest

from cards import services as credit_lines
from feedback import services
from feedback.errors import OfferNotAvailable
from feedback.models import OfferKind, OfferStatus, PersonalOffer
from loans.business_date import set_business_date
from tests.conftest import ISSUE_DATE
from tests.factories import BorrowerFactory
from tests.feedback.conftest import closed_loan

DAY = dt.timedelta(days=1)


@pytest.fixture
def repeat_borrower(tiers):
    tiers["bronze"].credit_line_limit_kop = 1_000_000
    tiers["bronze"].credit_line_daily_rate_ppm = 9_000  # above the cap: offered at the cap
    tiers["bronze"].save()
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE - 20 * DAY, borrower=borrower)
    set_business_date(on=ISSUE_DATE)
    return borrower


def test_a_tier_with_a_card_offers_it_beside_the_loan_offer(repeat_borrower):
    loan_offer = services.offers_generate(borrower=repeat_borrower, on=ISSUE_DATE)

    card = PersonalOffer.objects.get(borrower=repeat_borrower, kind=OfferKind.CREDIT_LINE)
    assert loan_offer.kind == OfferKind.LOAN
    assert (card.product, card.amount_limit_kop, card.daily_rate_ppm) == (None, 1_000_000, 8_000)
    assert card.status == OfferStatus.ACTIVE


def test_a_borrower_who_has_a_card_is_not_offered_another(repeat_borrower):
    credit_lines.credit_line_open(borrower=repeat_borrower, limit_kop=100_000, daily_rate_ppm=8_000)

    services.offers_generate(borrower=repeat_borrower, on=ISSUE_DATE)

    assert not PersonalOffer.objects.filter(kind=OfferKind.CREDIT_LINE).exists()


def test_a_loan_offer_cannot_open_a_card(repeat_borrower):
    loan_offer = services.offers_generate(borrower=repeat_borrower, on=ISSUE_DATE)

    with pytest.raises(OfferNotAvailable):
        services.offer_accept_credit_line(offer=loan_offer, borrower=repeat_borrower)
    assert not repeat_borrower.credit_lines.exists()
