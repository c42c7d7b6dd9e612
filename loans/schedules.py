"""Repayment schedules for PDL (one repayment) and annuity (equal periodic payments) loans.

Interest accrues daily on the outstanding principal, one day's interest being
`daily_interest_kop(outstanding, rate)`. A period's scheduled interest is therefore
`period_days × daily_interest_kop(outstanding at the period start)`: exactly what daily
accrual charges when the borrower pays on the due date.

A due date that falls on a non-working day moves to the next working day (Civil Code
art. 193): `due_on` maps each contractual date to the day the payment is due (the loan core
passes the production calendar's `on_or_after`). The schedule carries the moved dates, and a
period's interest is for the days between them, so paying on the moved date is on time and
pays exactly what accrual charged.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from loans.errors import InvalidAmount
from loans.money import PPM, daily_interest_kop, round_kop


@dataclass(frozen=True)
class Installment:
    """One scheduled payment; amounts in kopecks."""

    seq: int
    due_date: date
    principal_kop: int
    interest_kop: int

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise InvalidAmount("installment numbers start at 1", field="seq")
        if self.principal_kop < 0 or self.interest_kop < 0:
            raise InvalidAmount("installment amounts cannot be negative")

    @property
    def total_kop(self) -> int:
        return self.principal_kop + self.interest_kop


def schedule_total_kop(items: Iterable[Installment]) -> int:
    """Everything the borrower pays under the schedule, in kopecks."""
    return sum(item.total_kop for item in items)


def pdl_schedule(
    *,
    principal_kop: int,
    daily_rate_ppm: int,
    term_days: int,
    issue_date: date,
    charges_room_kop: int | None = None,
    due_on: Callable[[date], date] | None = None,
) -> list[Installment]:
    """A single repayment of principal and the term's interest at the end of the term."""
    _require_int(term_days, field="term_days", minimum=1, what="the term in days")
    return annuity_schedule(
        principal_kop=principal_kop,
        daily_rate_ppm=daily_rate_ppm,
        period_days=term_days,
        periods=1,
        issue_date=issue_date,
        charges_room_kop=charges_room_kop,
        due_on=due_on,
    )


def annuity_schedule(
    *,
    principal_kop: int,
    daily_rate_ppm: int,
    period_days: int,
    periods: int,
    issue_date: date,
    charges_room_kop: int | None = None,
    due_on: Callable[[date], date] | None = None,
    first_period_days: int | None = None,
) -> list[Installment]:
    """Equal payments every `period_days` days; the last installment settles the rest.

    With `first_period_days` the first payment falls that many days after the issue (e.g. on
    the borrower's payday) and the others every `period_days` after it; the first payment's
    interest is for the days it covers and its principal part what the annuity leaves.
    With `charges_room_kop` the cumulative interest stops at that room, as daily accrual
    stops at the cap on all charges.
    """
    _require_int(principal_kop, field="principal_kop", minimum=1, what="the principal")
    _require_int(daily_rate_ppm, field="daily_rate_ppm", minimum=0, what="the daily rate")
    _require_int(period_days, field="period_days", minimum=1, what="the period in days")
    _require_int(periods, field="periods", minimum=1, what="the number of periods")
    first_days = period_days if first_period_days is None else first_period_days
    _require_int(first_days, field="first_period_days", minimum=1, what="the first period")
    if charges_room_kop is not None:
        _require_int(
            charges_room_kop, field="charges_room_kop", minimum=0, what="the room for charges"
        )

    payment_kop = _annuity_payment_kop(
        principal_kop=principal_kop,
        periodic_rate=Decimal(daily_rate_ppm * period_days) / PPM,
        periods=periods,
    )
    room_kop = charges_room_kop
    outstanding_kop = principal_kop
    items: list[Installment] = []
    previous_due = issue_date
    for seq in range(1, periods + 1):
        due_date = issue_date + timedelta(days=first_days + (seq - 1) * period_days)
        if due_on is not None:
            due_date = due_on(due_date)
        days = (due_date - previous_due).days
        previous_due = due_date
        interest_kop = days * daily_interest_kop(outstanding_kop, daily_rate_ppm)
        if room_kop is not None:
            interest_kop = min(interest_kop, room_kop)
            room_kop -= interest_kop
        if seq == periods:
            principal_part_kop = outstanding_kop
        else:
            principal_part_kop = min(max(payment_kop - interest_kop, 0), outstanding_kop)
        outstanding_kop -= principal_part_kop
        items.append(
            Installment(
                seq=seq,
                due_date=due_date,
                principal_kop=principal_part_kop,
                interest_kop=interest_kop,
            )
        )
    return items


def _annuity_payment_kop(*, principal_kop: int, periodic_rate: Decimal, periods: int) -> int:
    """A = P·i / (1 − (1 + i)^−n), half-even to the kopeck; P / n when i = 0."""
    with localcontext() as ctx:
        ctx.prec = 50
        principal = Decimal(principal_kop)
        if periodic_rate == 0:
            return round_kop(principal / periods)
        one = Decimal(1)
        return round_kop(principal * periodic_rate / (one - (one + periodic_rate) ** -periods))


def _require_int(value: int, *, field: str, minimum: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"{what} must be a whole number", field=field)
    if value < minimum:
        bound = {0: "non-negative", 1: "positive"}.get(minimum, f"at least {minimum}")
        raise InvalidAmount(f"{what} must be {bound}, got {value}", field=field)
