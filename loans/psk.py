"""Full cost of credit (ПСК) by 353-FZ art. 6.

ПСК = i × ЧБП × 100, where i solves Σ ДП_k / ((1 + e_k·i)(1 + i)^q_k) = 0 over the
contract's cash flows (the amount issued negative), БП is the most frequent interval between
flows, ЧБП = 365 / БП, q_k the whole base periods from the issue date to flow k and e_k the
remaining fraction of a period.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise

from loans.errors import InvalidAmount
from loans.schedules import Installment

DAYS_IN_YEAR = 365
PERCENT_QUANTUM = Decimal("0.001")

_PRECISION = 60
_TOLERANCE = Decimal("1e-45")
# The solver's result is off by far less than this; snapping to it first lets an exact
# midpoint such as 0.0365 round half-up as the law intends instead of becoming 0.0364999…
_SNAP = Decimal("1e-30")
_MAX_ITERATIONS = 500
_MAX_RATE = Decimal(10) ** 12


@dataclass(frozen=True)
class Psk:
    """ПСК in per cent per annum (three decimals) and in money (kopecks)."""

    percent: Decimal
    amount_kop: int


def base_period_days(*, issue_date: date, flow_dates: Iterable[date]) -> int:
    """The most frequent interval in days between consecutive flows; ties go to the shortest."""
    days = sorted({0} | {(d - issue_date).days for d in flow_dates})
    if len(days) < 2 or days[0] < 0:
        raise InvalidAmount("payments must fall after the issue date", field="payments")
    return _base_period_of_days(days)


def full_cost_of_credit(
    *, issue_date: date, principal_kop: int, payments: list[tuple[date, int]]
) -> Psk:
    """ПСК of a loan of `principal_kop` issued on `issue_date` and repaid by `payments`."""
    if isinstance(principal_kop, bool) or not isinstance(principal_kop, int) or principal_kop <= 0:
        raise InvalidAmount("the amount issued must be a positive number of kopecks")
    flows: dict[int, int] = {0: -principal_kop}
    for due, amount_kop in payments:
        if isinstance(amount_kop, bool) or not isinstance(amount_kop, int) or amount_kop < 0:
            raise InvalidAmount("payments must be non-negative numbers of kopecks")
        days = (due - issue_date).days
        if days < 0:
            raise InvalidAmount("a payment cannot precede the issue date", field="payments")
        if amount_kop:
            flows[days] = flows.get(days, 0) + amount_kop
    if len(flows) < 2:
        raise InvalidAmount("at least one payment must fall after the issue date")
    if flows[0] >= 0:
        raise InvalidAmount("payments on the issue date cannot cover the amount issued")

    amount_kop = sum(flows.values())
    if amount_kop < 0:
        raise InvalidAmount("the payments do not repay the amount issued", field="payments")
    if amount_kop == 0:
        return Psk(percent=Decimal(0).quantize(PERCENT_QUANTUM), amount_kop=0)

    period = _base_period_of_days(sorted(flows))
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rate = _solve_periodic_rate(flows=flows, period_days=period)
        percent = rate * DAYS_IN_YEAR * 100 / period
        percent = percent.quantize(_SNAP).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)
    return Psk(percent=percent, amount_kop=amount_kop)


def psk_for_schedule(
    *, issue_date: date, principal_kop: int, items: list[Installment], signing_fee_kop: int = 0
) -> Psk:
    """ПСК of a schedule produced by `loans.schedules`; a fee taken at signing is a payment on
    the issue date, so the borrower's day-0 flow is −(principal − fee)."""
    fee = [(issue_date, signing_fee_kop)] if signing_fee_kop else []
    return full_cost_of_credit(
        issue_date=issue_date,
        principal_kop=principal_kop,
        payments=fee + [(item.due_date, item.total_kop) for item in items],
    )


def _base_period_of_days(days: list[int]) -> int:
    counts = Counter(later - earlier for earlier, later in pairwise(days))
    return min(counts, key=lambda interval: (-counts[interval], interval))


def _solve_periodic_rate(*, flows: dict[int, int], period_days: int) -> Decimal:
    """The root i > 0 of the art. 6 equation, by Newton's method kept inside a bisection bracket.

    Payments are positive and discounted harder as i grows, so the sum falls strictly from
    (total paid − issued) > 0 at i = 0 towards −issued: there is exactly one root.
    """
    terms = [
        (Decimal(amount), q, Decimal(remainder) / period_days)
        for days, amount in flows.items()
        for q, remainder in [divmod(days, period_days)]
    ]

    def value_and_slope(rate: Decimal) -> tuple[Decimal, Decimal]:
        value = slope = Decimal(0)
        for amount, q, e in terms:
            linear = 1 + e * rate
            discounted = amount / (linear * (1 + rate) ** q)
            value += discounted
            slope -= discounted * (e / linear + q / (1 + rate))
        return value, slope

    low, high = Decimal(0), Decimal(1)
    while value_and_slope(high)[0] > 0:
        low, high = high, high * 2
        if high > _MAX_RATE:
            raise InvalidAmount("the cost of credit is beyond any plausible rate")

    rate = (low + high) / 2
    for _ in range(_MAX_ITERATIONS):
        value, slope = value_and_slope(rate)
        if value == 0:
            return rate
        if value > 0:
            low = rate
        else:
            high = rate
        candidate = rate - value / slope
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - rate) <= _TOLERANCE or high - low <= _TOLERANCE:
            return candidate
        rate = candidate
    raise ArithmeticError("ПСК equation did not converge")  # pragma: no cover
