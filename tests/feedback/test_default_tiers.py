"""The tiers a fresh installation starts with, before anyone edits them in admin."""

import itertools

import pytest

from feedback.models import LoyaltyTier
from feedback.selectors import History, tier_for


def H(repaid, on_time, worst_dpd, tenure) -> History:
    return History(
        loans_repaid=repaid,
        on_time_percent=on_time,
        max_days_past_due=worst_dpd,
        tenure_days=tenure,
    )


def test_a_fresh_database_has_three_tiers_each_asking_and_giving_more(db):
    tiers = list(LoyaltyTier.objects.order_by("rank"))
    assert [tier.code for tier in tiers] == ["bronze", "silver", "gold"]
    for lower, higher in itertools.pairwise(tiers):
        assert higher.min_loans_repaid > lower.min_loans_repaid
        assert higher.max_days_past_due < lower.max_days_past_due
        assert higher.offer_amount_limit_kop > lower.offer_amount_limit_kop
        assert higher.offer_rate_discount_ppm > lower.offer_rate_discount_ppm


@pytest.mark.parametrize(
    ("history", "tier"),
    [
        (H(0, 0, 0, 0), None),
        (H(1, 0, 30, 0), "bronze"),
        (H(5, 60, 31, 400), None),
        (H(3, 80, 7, 60), "silver"),
        (H(3, 79, 7, 60), "bronze"),
        (H(6, 95, 3, 180), "gold"),
        (H(9, 100, 0, 179), "silver"),
    ],
)
def test_a_history_lands_in_the_default_tier_it_meets(db, history, tier):
    found = tier_for(history=history)
    assert (found.code if found else None) == tier


def test_only_the_default_gold_tier_offers_the_card_and_its_terms_pass_the_caps(
    business_date,
):
    from cards import services as credit_lines
    from tests.factories import BorrowerFactory

    with_card = LoyaltyTier.objects.filter(credit_line_limit_kop__isnull=False)
    assert list(with_card.values_list("code", flat=True)) == ["gold"]
    gold = with_card.get()
    line = credit_lines.credit_line_open(
        borrower=BorrowerFactory(),
        limit_kop=gold.credit_line_limit_kop,
        daily_rate_ppm=gold.credit_line_daily_rate_ppm,
    )
    assert line.limit_kop == 3_000_000 and line.psk_percent <= 292
