"""545-FZ: how many contracts with a high ПСК a borrower may have outstanding, and the
cooling-off after repaying one. A loan and the virtual card are both credit contracts: they
count alike, whichever of them is being signed. The card lives a floor up: it registers how
many of its contracts count (`register_contracts`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from loans.errors import LimitExceeded
from loans.models import Borrower, Loan, LoanStatus
from loans.regulation import Limits

S = LoanStatus


@dataclass(frozen=True)
class OtherContracts:
    """Another kind of credit contract, for a borrower and a ПСК threshold: how many such
    are in force, and whether one was repaid after a day (the cooling-off's start)."""

    in_force: Callable[[int, Decimal], int]
    repaid_after: Callable[[int, Decimal, date], bool]


_OTHER_CONTRACTS: list[OtherContracts] = []


def register_contracts(contracts: OtherContracts) -> None:
    if contracts not in _OTHER_CONTRACTS:
        _OTHER_CONTRACTS.append(contracts)


def check_high_psk_rule(
    *,
    borrower_id: int,
    limits: Limits,
    psk_percent: Decimal,
    on: date,
    loan_id: int | None = None,
    bureau_outstanding: int = 0,
) -> None:
    """Refuse a contract above the threshold when the borrower already has as many such
    contracts outstanding as the law allows, or repaid one within the cooling-off.

    The count is the larger of the lender's own book and the bureaus' last answer
    (`bureau_outstanding`: every lender's contracts the bureaus know of), as scoring counts."""
    threshold = limits.high_psk_threshold_percent
    if threshold is None or psk_percent <= threshold:
        return
    # One signing at a time per borrower, so two contracts signed at once cannot both pass.
    list(Borrower.objects.select_for_update().filter(pk=borrower_id).values_list("pk"))
    loans = Loan.objects.filter(borrower_id=borrower_id, psk_percent__gt=threshold).exclude(
        pk=loan_id
    )
    if limits.max_high_psk_loans is not None:
        # A signed offer is a contract: it counts before the money goes out. A card counts
        # while its contract is in force, drawn or not.
        own = loans.filter(
            Q(status__in=[S.DISBURSED, S.SERVICED, S.OVERDUE])
            | Q(status=S.APPROVED, signed_at__isnull=False)
        ).count() + sum(other.in_force(borrower_id, threshold) for other in _OTHER_CONTRACTS)
        outstanding = max(own, bureau_outstanding)
        if outstanding >= limits.max_high_psk_loans:
            raise LimitExceeded(
                f"The borrower already has {outstanding} outstanding loan(s) with ПСК above "
                f"{threshold} %; at most {limits.max_high_psk_loans} allowed (545-FZ)",
                code="high_psk_loan_limit",
            )
    if limits.cooling_off_days:
        since = on - timedelta(days=limits.cooling_off_days)
        if loans.filter(status=S.CLOSED, closed_on__gt=since).exists() or any(
            other.repaid_after(borrower_id, threshold, since) for other in _OTHER_CONTRACTS
        ):
            raise LimitExceeded(
                f"Cooling-off of {limits.cooling_off_days} days after repaying a loan "
                f"with ПСК above {threshold} % (545-FZ)",
                code="high_psk_cooling_off",
            )
