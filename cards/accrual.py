"""The card's daily charges, as the close-of-business SQL (`cards.cob`) computes them, for one
line at a time: a repayment or a closing accrues the days COB has not yet closed.

A day's charges are each draw's interest and the line's penalty on its arrears. The penalty is
split over the draws' caps, oldest draw first (by date, then id), in the room each has left
after the day's interest, so that no draw ever carries more than its cap on all charges.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, QuerySet

from cards.models import CreditLine, CreditLineDraw, CreditLineStatus
from loans.business_date import current_business_date
from loans.ledger import Line, post_entry
from loans.models import Account
from loans.money import charge_kop, daily_interest_kop


@dataclass(frozen=True)
class DayCharges:
    """One day's charges per draw (draw id → kopecks)."""

    interest: dict[int, int]
    penalty: dict[int, int]

    @property
    def interest_kop(self) -> int:
        return sum(self.interest.values())

    @property
    def penalty_kop(self) -> int:
        return sum(self.penalty.values())


def day_interest(*, line: CreditLine, draws: list[CreditLineDraw], day: date) -> dict[int, int]:
    """One day's interest per draw (draw id → kopecks), as the COB SQL computes it: a draw
    accrues from the day after it was made, rounded down, never beyond its own cap."""
    interest = {}
    for draw in draws:
        if draw.business_date >= day or draw.principal_out_kop <= 0:
            continue
        raw = daily_interest_kop(draw.principal_out_kop, line.daily_rate_ppm)
        amount = min(raw, draw.charges_cap_kop - draw.charges_kop)
        if amount > 0:
            interest[draw.pk] = amount
    return interest


def day_penalty_kop(line: CreditLine) -> int:
    """The day's penalty on the arrears before the caps: rounded down, as loans'."""
    if line.overdue_kop <= 0:
        return 0
    return charge_kop(line.overdue_kop * line.penalty_rate_num, line.penalty_rate_den)


def day_charges(*, line: CreditLine, draws: list[CreditLineDraw], day: date) -> DayCharges:
    interest = day_interest(line=line, draws=draws, day=day)
    penalty = {}
    left = day_penalty_kop(line)
    for draw in sorted(draws, key=lambda d: (d.business_date, d.pk)):
        if left <= 0:
            break
        room = draw.charges_cap_kop - draw.charges_kop - interest.get(draw.pk, 0)
        take = min(left, room)
        if take > 0:
            penalty[draw.pk] = take
            left -= take
    return DayCharges(interest=interest, penalty=penalty)


def _draws_with_room(line: CreditLine) -> QuerySet[CreditLineDraw]:
    """The draws that can still carry a charge (a draw at its cap carries nothing more)."""
    return CreditLineDraw.objects.filter(credit_line=line, charges_kop__lt=F("charges_cap_kop"))


def _add(draws: list[CreditLineDraw], charges: DayCharges) -> set[int]:
    changed = set()
    for draw in draws:
        taken = charges.interest.get(draw.pk, 0) + charges.penalty.get(draw.pk, 0)
        if taken:
            draw.charges_kop += taken
            changed.add(draw.pk)
    return changed


def accrue_through(*, credit_line: CreditLine, on: date) -> None:
    """Accrue the days (accrued_through, on] for one locked line, as COB would."""
    line = credit_line
    if line.status == CreditLineStatus.CLOSED:
        return
    day = line.accrued_through + timedelta(days=1)
    if day > on:
        return
    draws = list(_draws_with_room(line).select_for_update().order_by("pk"))
    changed: set[int] = set()
    while day <= on:
        charges = day_charges(line=line, draws=draws, day=day)
        interest, penalty = charges.interest_kop, charges.penalty_kop
        if interest or penalty:
            lines = []
            if interest:
                lines += [
                    Line(Account.CARD_INTEREST, interest, credit_line_id=line.pk),
                    Line(Account.INTEREST_INCOME, -interest),
                ]
            if penalty:
                lines += [
                    Line(Account.CARD_PENALTY, penalty, credit_line_id=line.pk),
                    Line(Account.PENALTY_INCOME, -penalty),
                ]
            post_entry(
                key=f"card-accrual:{line.pk}:{day.isoformat()}",
                kind="card_accrual",
                business_date=day,
                credit_line_id=line.pk,
                lines=lines,
            )
            changed |= _add(draws, charges)
            line.interest_out_kop += interest
            line.penalty_out_kop += penalty
            line.charges_total_kop += interest + penalty
        line.accrued_through = day
        day += timedelta(days=1)
    CreditLineDraw.objects.bulk_update(
        [draw for draw in draws if draw.pk in changed], ["charges_kop"]
    )


def credit_line_repayment_quote_kop(*, credit_line: CreditLine, on: date | None = None) -> int:
    """What repays the line in full today, today's charges included (nothing is written)."""
    on = on or current_business_date()
    line = credit_line
    draws = list(_draws_with_room(line).order_by("pk"))
    charged = 0
    day = line.accrued_through + timedelta(days=1)
    while day <= on:
        charges = day_charges(line=line, draws=draws, day=day)
        _add(draws, charges)
        charged += charges.interest_kop + charges.penalty_kop
        day += timedelta(days=1)
    return line.debt_kop + charged
