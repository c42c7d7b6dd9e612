"""One place that answers: which limits apply to a contract signed on a date?"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Q

from kernel.errors import DomainError
from kernel.request_memo import remembered
from loans.models import MarketAveragePsk, RegulationLimit
from loans.models.products import PenaltyMode
from loans.money import PPM, round_kop

ABSOLUTE_MAX_PSK = Decimal("292.000")


class NoLimitsForDate(DomainError):
    code = "no_regulation_limits"


@dataclass(frozen=True)
class Limits:
    row: RegulationLimit
    max_daily_rate_ppm: int
    max_psk_percent: Decimal
    charges_cap_multiplier: Decimal
    penalty_with_interest_annual_percent: Decimal
    penalty_without_interest_daily_ppm: int
    high_psk_threshold_percent: Decimal | None
    max_high_psk_loans: int | None
    cooling_off_days: int | None

    def charges_cap_kop(self, principal_kop: int) -> int:
        return round_kop(self.charges_cap_multiplier * principal_kop)

    def snapshot(self) -> dict:
        return {
            "regulation_id": self.row.pk,
            "valid_from": self.row.valid_from.isoformat(),
            "max_daily_rate_ppm": self.max_daily_rate_ppm,
            "max_psk_percent": str(self.max_psk_percent),
            "charges_cap_multiplier": str(self.charges_cap_multiplier),
            "penalty_with_interest_annual_percent": str(self.penalty_with_interest_annual_percent),
            "penalty_without_interest_daily_ppm": self.penalty_without_interest_daily_ppm,
            "high_psk_threshold_percent": (
                str(self.high_psk_threshold_percent)
                if self.high_psk_threshold_percent is not None
                else None
            ),
            "max_high_psk_loans": self.max_high_psk_loans,
            "cooling_off_days": self.cooling_off_days,
        }


def limits_for_contract(*, signed_on: date, category: str | None = None) -> Limits:
    """The limits for a contract signed on `signed_on` (and the market ПСК for its category)."""
    row = remembered(("regulation", signed_on), lambda: _regulation_row(signed_on))
    if row is None:
        raise NoLimitsForDate(f"No regulatory limits are configured for {signed_on.isoformat()}")
    max_psk = min(row.max_psk_percent, ABSOLUTE_MAX_PSK)
    if row.market_psk_check_enabled and category:
        market = remembered(
            ("market_psk", signed_on, category), lambda: _market_psk(signed_on, category)
        )
        if market is not None:
            max_psk = min(max_psk, (market.average_percent * 4 / 3).quantize(Decimal("0.001")))
    return Limits(
        row=row,
        max_daily_rate_ppm=row.max_daily_rate_ppm,
        max_psk_percent=max_psk,
        charges_cap_multiplier=row.charges_cap_multiplier,
        penalty_with_interest_annual_percent=row.penalty_with_interest_annual_percent,
        penalty_without_interest_daily_ppm=row.penalty_without_interest_daily_ppm,
        high_psk_threshold_percent=row.high_psk_threshold_percent,
        max_high_psk_loans=row.max_high_psk_loans,
        cooling_off_days=row.cooling_off_days,
    )


def penalty_rate(*, limits: Limits, mode: str) -> tuple[int, int]:
    """The daily penalty on the overdue amount as (numerator, denominator), at the legal most
    (353-FZ art. 5 part 21): 0.1 % a day when interest stops for the period, else 20 % a year.
    Loans and the card both take their rate from here."""
    if mode == PenaltyMode.DAILY_WITHOUT_INTEREST:
        return limits.penalty_without_interest_daily_ppm, PPM
    # percent per annum with three decimals → numerator over 100 × 1000 × 365
    return int(limits.penalty_with_interest_annual_percent * 1000), 100 * 1000 * 365


def _regulation_row(signed_on: date) -> RegulationLimit | None:
    return (
        RegulationLimit.objects.filter(valid_from__lte=signed_on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=signed_on))
        .order_by("-valid_from")
        .first()
    )


def _market_psk(signed_on: date, category: str) -> MarketAveragePsk | None:
    return (
        MarketAveragePsk.objects.filter(category=category, valid_from__lte=signed_on)
        .order_by("-valid_from")
        .first()
    )


# 115-FZ (REGULATION.md, "Identification and cooling times"): for contracts signed from
# 2025-09-01, money for 50 000–200 000 ₽ goes out no sooner than 4 hours after signing, above
# 200 000 ₽ no sooner than 48 hours.
PAYOUT_COOLING_FROM = date(2025, 9, 1)
PAYOUT_COOLING = ((5_000_000, timedelta(hours=4)), (20_000_001, timedelta(hours=48)))


def earliest_payout(*, principal_kop: int, signed_at: datetime, signed_on: date) -> datetime:
    """The first moment the money of a contract may be paid out."""
    wait = timedelta(0)
    if signed_on >= PAYOUT_COOLING_FROM:
        for threshold_kop, hold in PAYOUT_COOLING:
            if principal_kop >= threshold_kop:
                wait = hold
    return signed_at + wait
