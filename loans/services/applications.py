"""An application and the decision on it: apply, score, refer, approve, decline, cancel."""

from django.db import transaction

from loans import bureau_outbox
from loans.business_date import current_business_date
from loans.credit_uid import new_credit_uid
from loans.errors import DomainError, InvalidAmount
from loans.models import Borrower, BureauEventKind, Loan, Product, ProductKind
from loans.services._transitions import Actor, S, _lock, _positive_kop, _save, _transition


@transaction.atomic
def loan_apply(
    *,
    borrower: Borrower,
    product: Product,
    amount_kop: int,
    term_days: int,
    first_period_days: int | None = None,
    actor: Actor = None,
) -> Loan:
    """An application; an installment loan's first period may be chosen within the product's
    limits (e.g. to the borrower's payday)."""
    _positive_kop(amount_kop, what="amount")
    _check_product_terms(product=product, amount_kop=amount_kop, term_days=term_days)
    if first_period_days is not None:
        check_first_period(product=product, first_period_days=first_period_days)
    if product.repeat_only and not borrower.loans.filter(status=S.CLOSED).exists():
        raise DomainError(
            f"Product {product.code} is for repeat borrowers only", code="repeat_only_product"
        )
    loan = Loan(
        borrower=borrower,
        product=product,
        requested_amount_kop=amount_kop,
        requested_term_days=term_days,
        first_period_days=first_period_days,
    )
    loan._history_user = actor
    loan.save()
    bureau_outbox.record_event(
        kind=BureauEventKind.APPLICATION, on=current_business_date(), loan=loan
    )
    return loan


def _check_product_terms(*, product: Product, amount_kop: int, term_days: int) -> None:
    if not product.is_active:
        raise DomainError(f"Product {product.code} is not offered", code="product_inactive")
    if not product.min_amount_kop <= amount_kop <= product.max_amount_kop:
        raise InvalidAmount(
            f"Amount must be between {product.min_amount_kop} and {product.max_amount_kop} kopecks",
            field="amount_kop",
        )
    if not product.min_term_days <= term_days <= product.max_term_days:
        raise DomainError(
            f"Term must be between {product.min_term_days} and {product.max_term_days} days",
            code="invalid_term",
            field="term_days",
        )
    if product.kind == ProductKind.IL and term_days % product.period_days:
        raise DomainError(
            f"Term must be a whole number of {product.period_days}-day periods",
            code="invalid_term",
            field="term_days",
        )


def check_first_period(
    *, product: Product, first_period_days: int, field: str = "first_period_days"
) -> None:
    """Refuse a first period the product does not offer, naming its limits (and `field`, the
    caller's name for the choice)."""
    low, high = product.first_period_min_days, product.first_period_max_days
    if product.kind != ProductKind.IL or low is None or high is None:
        raise DomainError(
            f"Product {product.code} has no first period of the borrower's choice",
            code="invalid_first_period",
            field=field,
        )
    if isinstance(first_period_days, bool) or not low <= first_period_days <= high:
        raise DomainError(
            f"The first period must be between {low} and {high} days, got {first_period_days}",
            code="invalid_first_period",
            field=field,
        )


@transaction.atomic
def loan_score(*, loan: Loan, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    _transition(loan, "score", actor=actor)
    _save(loan, actor=actor)
    return loan


@transaction.atomic
def loan_refer(*, loan: Loan, reason: str, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    _transition(loan, "refer", actor=actor, reason=reason)
    _save(loan, actor=actor)
    return loan


@transaction.atomic
def loan_approve(
    *,
    loan: Loan,
    actor: Actor = None,
    amount_kop: int | None = None,
    term_days: int | None = None,
    daily_rate_ppm: int | None = None,
    reason: str = "",
) -> Loan:
    """Approve with the requested terms, or lower ones (never more than was asked); a personal
    offer may also lower the daily rate, which the contract then takes."""
    loan = _lock(loan)
    _approve_terms(
        loan,
        actor=actor,
        amount_kop=amount_kop,
        term_days=term_days,
        daily_rate_ppm=daily_rate_ppm,
        reason=reason,
    )
    _save(loan, actor=actor)
    return loan


def _approve_terms(
    loan: Loan,
    *,
    actor: Actor,
    amount_kop: int | None,
    term_days: int | None,
    daily_rate_ppm: int | None,
    reason: str,
) -> None:
    amount = loan.requested_amount_kop if amount_kop is None else amount_kop
    term = loan.requested_term_days if term_days is None else term_days
    _positive_kop(amount, what="approved amount")
    if amount > loan.requested_amount_kop:
        raise InvalidAmount(
            "The approved amount cannot exceed the amount asked", field="amount_kop"
        )
    _check_product_terms(product=loan.product, amount_kop=amount, term_days=term)
    if daily_rate_ppm is not None and not 0 < daily_rate_ppm <= loan.product.daily_rate_ppm:
        raise InvalidAmount(
            "A personal rate must be positive and not above the product's",
            field="daily_rate_ppm",
        )
    _transition(loan, "approve", actor=actor, reason=reason)
    # The offer's contract names the deal's УИд, so the deal has one from its approval on.
    loan.credit_uid = loan.credit_uid or new_credit_uid()
    loan.principal_kop = amount
    loan.term_days = term
    loan.daily_rate_ppm = daily_rate_ppm


DECISIONS = ("approve", "refer", "decline")


@transaction.atomic
def loan_decide(
    *,
    loan: Loan,
    decision: str,
    reason: str,
    amount_kop: int | None = None,
    daily_rate_ppm: int | None = None,
    actor: Actor = None,
) -> Loan:
    """The robot's answer to an application: scored, then approved (at most the amount asked,
    as `loan_approve` checks), referred to a person or declined. One lock and one save; each
    transition keeps its own log row."""
    if decision not in DECISIONS:
        raise DomainError(f"Unknown decision '{decision}'", code="invalid", field="decision")
    loan = _lock(loan)
    _transition(loan, "score", actor=actor)
    if decision == "approve":
        _approve_terms(
            loan,
            actor=actor,
            amount_kop=amount_kop,
            term_days=None,
            daily_rate_ppm=daily_rate_ppm,
            reason=reason,
        )
    else:
        _transition(loan, decision, actor=actor, reason=reason)
    _save(loan, actor=actor)
    return loan


@transaction.atomic
def loan_decline(*, loan: Loan, reason: str, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    _transition(loan, "decline", actor=actor, reason=reason)
    _save(loan, actor=actor)
    return loan


@transaction.atomic
def loan_cancel(*, loan: Loan, reason: str, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    _transition(loan, "cancel", actor=actor, reason=reason)
    _save(loan, actor=actor)
    return loan
