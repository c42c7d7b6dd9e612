"""The card contract's terms: its ПСК and the cap on all charges of each draw.

The cap on all charges for a revolving line
-------------------------------------------
353-FZ caps the charges at a multiple of the principal *provided*. On a revolving line the
principal provided is not one number: every draw is a new tranche of credit. The cap is held
per draw: each draw records its own cap (`charges_cap_percent` of its amount, rounded down)
and the charges it has carried, and interest on a draw stops once it has carried its cap.
This is the strictest of the readings: no tranche ever carries more than the multiple of
itself, whichever way the law is read (a cap against the sum of draws, or against the highest
balance, would let an early, quickly repaid draw lend its unused room to a later one).
Interest is therefore computed per draw on its outstanding principal and rounded down there,
so a day's interest on the line is the sum of the draws' and never above the rate applied to
the drawn balance. The multiple is the one in force on the day the line was opened.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet

from cards.models import CreditLine, CreditLineStatus
from kernel.errors import DomainError
from loans.errors import CapExceeded
from loans.high_psk import OtherContracts
from loans.money import charge_kop, daily_interest_kop
from loans.psk import Psk, full_cost_of_credit
from loans.regulation import Limits

# The ПСК of a line is that of a representative draw: the whole limit drawn on the day the
# line opens and repaid with its interest at the end of one statement cycle.
PSK_CYCLE_DAYS = 30
# The market-average ПСК category the card is compared with (MarketAveragePsk.category).
PSK_CATEGORY = "credit_line"


def draw_charges_cap_kop(*, amount_kop: int, charges_cap_percent: int) -> int:
    """The most a draw may ever carry in charges: the multiple of it, rounded down."""
    return charge_kop(amount_kop * charges_cap_percent, 100)


def cap_percent(limits: Limits) -> int:
    percent = limits.charges_cap_multiplier * 100
    if percent != percent.to_integral_value():
        raise DomainError("The cap on charges must be a whole per cent of principal")
    return int(percent)


def credit_line_psk(
    *, limit_kop: int, daily_rate_ppm: int, charges_cap_percent: int, on: date
) -> Psk:
    """ПСК (loans.psk) of the representative draw: the full limit over one statement cycle."""
    interest = min(
        PSK_CYCLE_DAYS * daily_interest_kop(limit_kop, daily_rate_ppm),
        draw_charges_cap_kop(amount_kop=limit_kop, charges_cap_percent=charges_cap_percent),
    )
    return full_cost_of_credit(
        issue_date=on,
        principal_kop=limit_kop,
        payments=[(on + timedelta(days=PSK_CYCLE_DAYS), limit_kop + interest)],
    )


def check_terms(*, limits: Limits, limit_kop: int, daily_rate_ppm: int, on: date) -> Psk:
    if daily_rate_ppm > limits.max_daily_rate_ppm:
        raise CapExceeded(
            f"Daily rate {daily_rate_ppm / 10_000:.4f} % is above the cap of "
            f"{limits.max_daily_rate_ppm / 10_000:.4f} % (353-FZ)"
        )
    psk = credit_line_psk(
        limit_kop=limit_kop,
        daily_rate_ppm=daily_rate_ppm,
        charges_cap_percent=cap_percent(limits),
        on=on,
    )
    if psk.percent > limits.max_psk_percent:
        raise CapExceeded(
            f"ПСК {psk.percent} % is above the cap of {limits.max_psk_percent} % (353-FZ art. 6)"
        )
    return psk


def _high_psk(borrower_id: int, threshold: Decimal) -> QuerySet[CreditLine]:
    return CreditLine.objects.filter(borrower_id=borrower_id, psk_percent__gt=threshold)


# The borrower's cards in the 545-FZ count (`loans.high_psk`): a card counts while its contract
# is in force, drawn or not; closing one is repaying it.
HIGH_PSK_CARDS = OtherContracts(
    in_force=lambda borrower_id, threshold: (
        _high_psk(borrower_id, threshold).exclude(status=CreditLineStatus.CLOSED).count()
    ),
    repaid_after=lambda borrower_id, threshold, since: (
        _high_psk(borrower_id, threshold)
        .filter(status=CreditLineStatus.CLOSED, closed_on__gt=since)
        .exists()
    ),
)
