"""The card's daily interest, as the close-of-business SQL (`cards.cob`) computes it, for one
line at a time: a repayment or a closing accrues the days COB has not yet closed."""

from datetime import date, timedelta

from cards.models import CreditLine, CreditLineDraw, CreditLineStatus
from loans.business_date import current_business_date
from loans.ledger import Line, post_entry
from loans.models import Account
from loans.money import daily_interest_kop


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


def accrue_through(*, credit_line: CreditLine, on: date) -> None:
    """Accrue the days (accrued_through, on] for one locked line, as COB would."""
    line = credit_line
    if line.status == CreditLineStatus.CLOSED:
        return
    day = line.accrued_through + timedelta(days=1)
    if day > on:
        return
    draws = list(
        CreditLineDraw.objects.select_for_update()
        .filter(credit_line=line, principal_out_kop__gt=0)
        .order_by("pk")
    )
    changed = set()
    while day <= on:
        interest = day_interest(line=line, draws=draws, day=day)
        total = sum(interest.values())
        if total:
            post_entry(
                key=f"card-accrual:{line.pk}:{day.isoformat()}",
                kind="card_accrual",
                business_date=day,
                credit_line_id=line.pk,
                lines=[
                    Line(Account.CARD_INTEREST, total, credit_line_id=line.pk),
                    Line(Account.INTEREST_INCOME, -total),
                ],
            )
            for draw in draws:
                if draw.pk in interest:
                    draw.charges_kop += interest[draw.pk]
                    changed.add(draw.pk)
            line.interest_out_kop += total
            line.charges_total_kop += total
        line.accrued_through = day
        day += timedelta(days=1)
    CreditLineDraw.objects.bulk_update(
        [draw for draw in draws if draw.pk in changed], ["charges_kop"]
    )


def credit_line_repayment_quote_kop(*, credit_line: CreditLine, on: date | None = None) -> int:
    """What repays the line in full today, today's interest included (nothing is written)."""
    on = on or current_business_date()
    line = credit_line
    draws = list(line.draws.filter(principal_out_kop__gt=0).order_by("pk"))
    interest = line.interest_out_kop
    day = line.accrued_through + timedelta(days=1)
    while day <= on:
        today = day_interest(line=line, draws=draws, day=day)
        for draw in draws:
            draw.charges_kop += today.get(draw.pk, 0)
        interest += sum(today.values())
        day += timedelta(days=1)
    return line.principal_out_kop + interest
