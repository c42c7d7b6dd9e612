"""Servicing arithmetic on one loan: a day's accrual, the overdue split, allocation.

The close-of-business SQL (loans/cob.py) applies the same rules to every loan at once;
tests hold the two to the same answers.
"""

from dataclasses import asdict, dataclass

from loans.models import Loan, LoanStatus
from loans.models.products import PenaltyMode
from loans.money import charge_kop, daily_interest_kop


@dataclass(frozen=True)
class DayAccrual:
    interest_kop: int
    penalty_kop: int


def interest_accrues(loan: Loan) -> bool:
    if loan.interest_stopped:
        return False
    overdue = loan.status == LoanStatus.OVERDUE
    return not (overdue and loan.penalty_mode == PenaltyMode.DAILY_WITHOUT_INTEREST)


def penalty_accrues(loan: Loan) -> bool:
    return loan.status == LoanStatus.OVERDUE and not loan.penalties_stopped


def day_accrual(loan: Loan) -> DayAccrual:
    """One day's interest and penalty, never beyond the cap on all charges."""
    room = loan.charges_room_kop
    interest = 0
    if interest_accrues(loan):
        interest = daily_interest_kop(loan.principal_out_kop, loan.daily_rate_ppm)
    interest = min(interest, room)
    penalty = 0
    if penalty_accrues(loan):
        penalty = charge_kop(
            loan.principal_overdue_kop * loan.penalty_rate_num, loan.penalty_rate_den
        )
    penalty = min(penalty, room - interest)
    return DayAccrual(interest_kop=interest, penalty_kop=penalty)


@dataclass(frozen=True)
class OverdueSplit:
    interest_kop: int
    principal_kop: int

    @property
    def any(self) -> bool:
        return self.interest_kop > 0 or self.principal_kop > 0


def _past_last_due_date(loan: Loan) -> bool:
    return loan.next_due_date is None and loan.due_passed_kop > 0


def split_when_due(loan: Loan) -> OverdueSplit:
    """The overdue split fixed when a due date passes (COB's mark-overdue step).

    The shortfall of payments against the scheduled amounts now due, interest first: an
    installment carries the interest accrued up to its due date, so all interest accrued by
    then is due. After the last due date: everything outstanding.
    """
    if _past_last_due_date(loan):
        return OverdueSplit(loan.interest_out_kop, loan.principal_out_kop)
    shortfall = max(0, loan.due_passed_kop - loan.paid_debt_kop)
    interest = min(loan.interest_out_kop, shortfall)
    principal = min(loan.principal_out_kop, shortfall - interest)
    return OverdueSplit(interest, principal)


def overdue_split(loan: Loan) -> OverdueSplit:
    """What part of the interest and principal is overdue now.

    After the last due date: everything outstanding. Before it: the split fixed when the last
    due date passed (`split_when_due`, stored on the loan) less what payments covered since.
    Interest accrued after a due date is current-period interest until the next one passes.
    """
    if _past_last_due_date(loan):
        return OverdueSplit(loan.interest_out_kop, loan.principal_out_kop)
    return OverdueSplit(
        min(loan.interest_overdue_kop, loan.interest_out_kop),
        min(loan.principal_overdue_kop, loan.principal_out_kop),
    )


def is_in_arrears(loan: Loan) -> bool:
    split = overdue_split(loan)
    if split.any:
        return True
    return loan.next_due_date is None and loan.due_passed_kop > 0 and loan.debt_kop > 0


@dataclass(frozen=True)
class Allocation:
    """A repayment split in the order of 353-FZ art. 5 part 20."""

    overdue_interest_kop: int = 0
    overdue_principal_kop: int = 0
    penalty_kop: int = 0
    interest_kop: int = 0
    principal_kop: int = 0
    fees_kop: int = 0
    overpayment_kop: int = 0

    @property
    def to_debt_kop(self) -> int:
        return self.total_kop - self.overpayment_kop

    @property
    def total_kop(self) -> int:
        return sum(asdict(self).values())

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def allocate(loan: Loan, amount_kop: int) -> Allocation:
    split = overdue_split(loan)
    buckets = [
        ("overdue_interest_kop", split.interest_kop),
        ("overdue_principal_kop", split.principal_kop),
        ("penalty_kop", loan.penalty_out_kop),
        ("interest_kop", loan.interest_out_kop - split.interest_kop),
        ("principal_kop", loan.principal_out_kop - split.principal_kop),
        ("fees_kop", loan.fees_out_kop),
    ]
    left = amount_kop
    parts: dict[str, int] = {}
    for name, owed in buckets:
        take = min(left, owed)
        parts[name] = take
        left -= take
    parts["overpayment_kop"] = left
    return Allocation(**parts)
