import datetime as dt

import pytest

from feedback import services
from feedback.fast_path import fast_path_obstacles
from feedback.models import OfferStatus, PersonalOffer
from loans.business_date import set_business_date
from loans.models import Loan, LoanStatus
from scoring.models import ModelStatus
from tests.clientapi.conftest import apply
from tests.conftest import ISSUE_DATE
from tests.factories import BorrowerFactory, PdlProductFactory
from tests.feedback.conftest import borrower_of, closed_loan, log_overdue
from tests.loans.helpers import issued
from tests.scoring.conftest import clean_bureau, constant_model, register
from underwriting.models import ReviewTask

DAY = dt.timedelta(days=1)


def test_an_offer_from_the_tier_at_a_reduced_rate(tiers, business_date):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE, borrower=borrower)
    offer = services.offers_generate(borrower=borrower, on=ISSUE_DATE)
    assert offer.tier.code == "bronze" and offer.product.code == "pdl30"
    assert offer.amount_limit_kop == 1_500_000
    assert offer.daily_rate_ppm == 8000 - 500
    assert offer.valid_until == ISSUE_DATE + 30 * DAY
    assert "Bronze" in offer.reason


def test_the_rate_never_exceeds_the_cap_nor_the_amount_the_product(tiers, business_date):
    pricey = PdlProductFactory(code="pdl-pricey", daily_rate_ppm=9000, max_amount_kop=1_000_000)
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE, borrower=borrower, product=PdlProductFactory())
    tiers["bronze"].offer_product = pricey
    tiers["bronze"].offer_rate_discount_ppm = 0
    tiers["bronze"].save()
    offer = services.offers_generate(borrower=borrower, on=ISSUE_DATE)
    assert offer.daily_rate_ppm == 8000  # the 0.8 %/day cap, not the product's 0.9 %
    assert offer.amount_limit_kop == 1_000_000


def test_a_new_offer_replaces_the_old_one(tiers, business_date):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE, borrower=borrower)
    first = services.offers_generate(borrower=borrower, on=ISSUE_DATE)
    second = services.offers_generate(borrower=borrower, on=ISSUE_DATE)
    first.refresh_from_db()
    assert first.status == OfferStatus.WITHDRAWN and second.status == OfferStatus.ACTIVE


@pytest.mark.parametrize("obstacle", ["no_tier", "open_loan", "self_ban", "tier_gives_nothing"])
def test_no_offer_when_the_rules_give_none(tiers, business_date, obstacle):
    borrower = BorrowerFactory()
    closed_loan(on=ISSUE_DATE, borrower=borrower, overdue_days=90 if obstacle == "no_tier" else 0)
    earlier = services.offers_generate(borrower=borrower, on=ISSUE_DATE)
    if obstacle == "open_loan":
        issued(borrower=borrower)
    elif obstacle == "self_ban":
        borrower.self_ban_active = True
        borrower.save()
    elif obstacle == "tier_gives_nothing":
        tiers["bronze"].offer_amount_limit_kop = None
        tiers["bronze"].save()
    assert services.offers_generate(borrower=borrower, on=ISSUE_DATE) is None
    assert not PersonalOffer.objects.filter(status=OfferStatus.ACTIVE).exists()
    if earlier is not None:
        earlier.refresh_from_db()
        assert earlier.status == OfferStatus.WITHDRAWN


def test_the_daily_schedule_expires_offers_and_makes_new_ones(tiers, business_date):
    old_customer = BorrowerFactory()
    closed_loan(on=ISSUE_DATE - 40 * DAY, borrower=old_customer)
    stale = services.offers_generate(borrower=old_customer, on=ISSUE_DATE - 40 * DAY)
    just_repaid = closed_loan(on=ISSUE_DATE).borrower

    assert services.offers_daily(on=ISSUE_DATE) == 2
    stale.refresh_from_db()
    assert stale.status == OfferStatus.EXPIRED
    active = PersonalOffer.objects.filter(status=OfferStatus.ACTIVE)
    assert set(active.values_list("borrower_id", flat=True)) == {old_customer.pk, just_repaid.pk}


# --- through the API -----------------------------------------------------------------------


@pytest.fixture
def offered(tiers, borrower_api):
    """A repeat borrower the champion would refer (PD 0.2), with an offer from their tier."""
    borrower = clean_bureau(borrower_of(borrower_api))
    closed_loan(on=ISSUE_DATE - 20 * DAY, borrower=borrower)
    set_business_date(on=ISSUE_DATE)
    register(constant_model(0.2), status=ModelStatus.CHAMPION)
    borrower_api.offer = services.offers_generate(borrower=borrower)
    return borrower_api


def accept(client, offer_id, *, key="accept-1", **body):
    body = {
        "amount_kop": 1_000_000,
        "term_days": 30,
        "payout_method": client.ready["payout_method"],
        **body,
    }
    return client.post(
        f"/api/v1/offers/{offer_id}/accept/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_the_borrower_sees_their_offer(offered, api_factory):
    listed = offered.get("/api/v1/offers/")
    assert listed.status_code == 200
    [row] = listed.json()
    assert row["id"] == offered.offer.pk
    assert (row["product"], row["amount_limit_kop"], row["daily_rate_ppm"]) == (
        "pdl30",
        1_500_000,
        7500,
    )
    assert api_factory().get("/api/v1/offers/").json() == []


def test_without_an_offer_the_robot_refers(offered):
    answer = apply(offered)
    assert answer.json()["status"] == "in_review"


def test_an_accepted_offer_is_approved_on_the_fast_path(offered):
    answer = accept(offered, offered.offer.pk)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "approved"
    loan = Loan.objects.get(pk=answer.json()["id"])
    assert (loan.principal_kop, loan.term_days) == (1_000_000, 30)
    assert not ReviewTask.objects.filter(loan=loan).exists()
    approval = loan.transitions.get(transition="approve")
    assert f"personal offer #{offered.offer.pk}" in approval.reason
    offered.offer.refresh_from_db()
    assert (offered.offer.status, offered.offer.loan) == (OfferStatus.ACCEPTED, loan)

    repeat = accept(offered, offered.offer.pk)
    assert repeat.json() == answer.json()
    assert Loan.objects.filter(borrower=loan.borrower).count() == 2


def test_the_contract_signed_on_an_offer_takes_the_offers_reduced_rate(offered):
    from loans import services as loan_services

    answer = accept(offered, offered.offer.pk)
    loan = Loan.objects.get(pk=answer.json()["id"])
    assert loan.daily_rate_ppm == offered.offer.daily_rate_ppm == 7500
    offer_page = offered.get(f"/api/v1/applications/{loan.pk}/").json()
    signed = loan_services.loan_sign(loan=loan)
    assert signed.daily_rate_ppm == 7500 < signed.product.daily_rate_ppm
    interest = sum(item.interest_kop for item in signed.schedule_items.all())
    assert interest == 1_000_000 * 7500 * 30 // 1_000_000  # 0.75 %/day for 30 days
    assert offer_page["offer"]["total_kop"] == 1_000_000 + interest


def test_a_new_overdue_since_the_offer_sends_it_to_a_person(offered):
    earlier = Loan.objects.get(borrower=borrower_of(offered), status=LoanStatus.CLOSED)
    log_overdue(earlier, since=ISSUE_DATE, days=3)  # logged after the offer was made
    answer = accept(offered, offered.offer.pk)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "in_review"
    assert ReviewTask.objects.filter(loan_id=answer.json()["id"]).exists()


def test_what_closes_the_fast_path(offered):
    offer = offered.offer
    loan = Loan(borrower=offer.borrower, product=offer.product, requested_amount_kop=1_000_000)
    assert fast_path_obstacles(offer=offer, loan=loan, self_ban=False) == []
    assert fast_path_obstacles(offer=offer, loan=loan, self_ban=True)
    loan.requested_amount_kop = offer.amount_limit_kop + 1
    assert fast_path_obstacles(offer=offer, loan=loan, self_ban=False)
    loan.requested_amount_kop = 1_000_000
    loan.product = PdlProductFactory(code="pdl-other")
    assert fast_path_obstacles(offer=offer, loan=loan, self_ban=False)


def _nothing_written(client, offer):
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACTIVE and offer.loan is None
    assert not Loan.objects.filter(
        borrower=offer.borrower, status__in=[LoanStatus.APPLIED, LoanStatus.APPROVED]
    ).exists()
    assert not Loan.objects.filter(borrower=offer.borrower, status=LoanStatus.IN_REVIEW).exists()


def test_another_borrowers_offer_is_not_found(offered, api_factory):
    stranger = api_factory()
    answer = accept(stranger, offered.offer.pk)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    _nothing_written(offered, offered.offer)


def test_an_expired_offer_is_refused(offered):
    set_business_date(on=offered.offer.valid_until + DAY)
    answer = accept(offered, offered.offer.pk)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "offer_not_available"
    _nothing_written(offered, offered.offer)


def test_an_amount_above_the_limit_is_refused(offered):
    answer = accept(offered, offered.offer.pk, amount_kop=1_500_001)
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_amount",
        "message": answer.json()["error"]["message"],
        "field": "amount_kop",
    }
    _nothing_written(offered, offered.offer)


def test_an_accept_needs_an_idempotency_key(offered):
    body = {"amount_kop": 1_000_000, "term_days": 30, "payout_method": 1}
    answer = offered.post(f"/api/v1/offers/{offered.offer.pk}/accept/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "idempotency_key_required"
    _nothing_written(offered, offered.offer)
