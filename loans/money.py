"""Money arithmetic: amounts are integer kopecks, rates are exact Decimals.

Every rounding in the project goes through `round_kop` (half-even to the kopeck)
so that one rule governs contracts, schedules, accrual and the ledger.
"""

from decimal import ROUND_HALF_EVEN, Decimal

KOP_PER_RUB = 100
PPM = 1_000_000


class MoneyError(ValueError):
    """An amount that is not a whole, non-negative number of kopecks."""


def round_kop(value: Decimal) -> int:
    """Round a Decimal number of kopecks half-even to a whole kopeck."""
    if not isinstance(value, Decimal):
        raise TypeError("round_kop takes a Decimal, never a float")
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def div_round_half_even(numerator: int, denominator: int) -> int:
    """Integer division rounded half-even; the same rule the COB SQL applies."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -div_round_half_even(-numerator, denominator)
    quotient, remainder = divmod(numerator, denominator)
    twice = remainder * 2
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def rub_to_kop(rub: Decimal | int | str) -> int:
    value = Decimal(str(rub)) * KOP_PER_RUB
    if value != value.to_integral_value():
        raise MoneyError(f"{rub} is not a whole number of kopecks")
    return int(value)


def kop_to_rub(kop: int) -> Decimal:
    return (Decimal(kop) / KOP_PER_RUB).quantize(Decimal("0.01"))


def format_rub(kop: int) -> str:
    sign = "-" if kop < 0 else ""
    rub, k = divmod(abs(kop), KOP_PER_RUB)
    return f"{sign}{rub:,}".replace(",", "\u00a0") + f",{k:02d} ₽"


def ppm_to_rate(ppm: int) -> Decimal:
    """A rate stored as millionths (8000 = 0.8 %) as an exact Decimal fraction."""
    return Decimal(ppm) / PPM


def rate_to_ppm(rate: Decimal) -> int:
    value = rate * PPM
    if value != value.to_integral_value():
        raise MoneyError(f"rate {rate} is finer than a millionth")
    return int(value)


def charge_kop(numerator: int, denominator: int) -> int:
    """A charge (interest, penalty) rounded DOWN to the kopeck.

    This is the rule that overrides half-even: a charge computed at the legal maximum rate must
    never exceed it by rounding (10 001 ₽ at 0.8 %/day is 80,008 ₽; half-even would charge
    80,01 ₽, a ПСК of 292.007 %). The COB SQL applies the same integer division.
    """
    if numerator < 0 or denominator <= 0:
        raise ValueError("a charge needs a non-negative base and a positive denominator")
    return numerator // denominator


def daily_interest_kop(principal_kop: int, daily_rate_ppm: int) -> int:
    """One day's interest on a principal, rounded down to the kopeck."""
    return charge_kop(principal_kop * daily_rate_ppm, PPM)


def require_positive_kop(amount_kop: int, *, what: str = "amount") -> int:
    if isinstance(amount_kop, bool) or not isinstance(amount_kop, int):
        raise MoneyError(f"{what} must be a whole number of kopecks")
    if amount_kop <= 0:
        raise MoneyError(f"{what} must be positive, got {amount_kop}")
    return amount_kop
