"""The order a repayment of the card pays its debt in (353-FZ art. 5 part 20, REGULATION.md):
overdue interest, overdue principal, penalty, current interest, current principal. The card
charges no fees.

The overdue part of the debt is the line's arrears (`overdue_kop`, the unpaid part of missed
minimum payments), read as interest first: a minimum payment is all interest plus a share of
principal.
"""

from dataclasses import dataclass

from cards.models import CreditLine


@dataclass(frozen=True)
class RepaymentSplit:
    interest_kop: int
    principal_kop: int
    penalty_kop: int


def overdue_parts(line: CreditLine) -> tuple[int, int]:
    """The arrears as (overdue interest, overdue principal)."""
    overdue_interest = min(line.overdue_kop, line.interest_out_kop)
    return overdue_interest, min(line.overdue_kop - overdue_interest, line.principal_out_kop)


def repayment_split(*, line: CreditLine, amount_kop: int) -> RepaymentSplit:
    """Split `amount_kop` (at most the debt) over the line's balances in the legal order."""
    overdue_interest, overdue_principal = overdue_parts(line)
    buckets = [
        overdue_interest,
        overdue_principal,
        line.penalty_out_kop,
        line.interest_out_kop - overdue_interest,
        line.principal_out_kop - overdue_principal,
    ]
    paid = []
    left = amount_kop
    for owed in buckets:
        take = min(left, owed)
        paid.append(take)
        left -= take
    return RepaymentSplit(
        interest_kop=paid[0] + paid[3], principal_kop=paid[1] + paid[4], penalty_kop=paid[2]
    )
