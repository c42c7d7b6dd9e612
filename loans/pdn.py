"""Debt load (ПДН): average monthly payments against average monthly income."""

from datetime import date
from decimal import Decimal

from loans.errors import DomainError, InvalidAmount
from loans.money import div_round_half_even
from loans.schedules import Installment

DAYS_IN_MONTH = 30
PDN_WARNING_PERCENT = Decimal(50)
# From this date loans under the threshold may not rely on declared income above the regional
# average (REGULATION.md, "Debt load").
STRICT_INCOME_FROM = date(2026, 1, 1)
STRICT_INCOME_BELOW_KOP = 5_000_000


def average_monthly_payment_kop(*, items: list[Installment], issue_date: date) -> int:
    """Average monthly payment: the whole sum for terms up to 30 days, else sum × 30 / term."""
    if not items:
        raise InvalidAmount("a schedule needs at least one installment", field="items")
    term_days = (max(item.due_date for item in items) - issue_date).days
    if term_days < 1:
        raise InvalidAmount("installments must fall after the issue date", field="items")
    total_kop = sum(item.total_kop for item in items)
    if term_days <= DAYS_IN_MONTH:
        return total_kop
    return div_round_half_even(total_kop * DAYS_IN_MONTH, term_days)


def income_for_pdn_kop(
    *,
    declared_kop: int,
    confirmed_kop: int | None,
    regional_average_kop: int | None,
    loan_principal_kop: int,
    on_date: date,
) -> int:
    """The monthly income the debt load is computed against."""
    return income_for_pdn(
        declared_kop=declared_kop,
        confirmed_kop=confirmed_kop,
        regional_average_kop=regional_average_kop,
        loan_principal_kop=loan_principal_kop,
        on_date=on_date,
    )[0]


def income_for_pdn(
    *,
    declared_kop: int,
    confirmed_kop: int | None,
    regional_average_kop: int | None,
    loan_principal_kop: int,
    on_date: date,
) -> tuple[int, str]:
    """The monthly income the debt load is computed against and the rule that chose it
    ("confirmed", "regional_average" or "declared")."""
    for value, field in (
        (declared_kop, "declared_kop"),
        (confirmed_kop, "confirmed_kop"),
        (regional_average_kop, "regional_average_kop"),
        (loan_principal_kop, "loan_principal_kop"),
    ):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidAmount("amounts must be whole numbers of kopecks", field=field)
        if value is not None and value < 0:
            raise InvalidAmount("amounts cannot be negative", field=field)
    if confirmed_kop is not None:
        return confirmed_kop, "confirmed"
    strict = on_date >= STRICT_INCOME_FROM and loan_principal_kop < STRICT_INCOME_BELOW_KOP
    if strict and regional_average_kop is not None and regional_average_kop < declared_kop:
        return regional_average_kop, "regional_average"
    return declared_kop, "declared"


def debt_load_percent(*, monthly_payments_kop: list[int], monthly_income_kop: int) -> Decimal:
    """Sum of monthly payments ÷ monthly income × 100, half-even to hundredths of a per cent."""
    if monthly_income_kop <= 0:
        raise DomainError(
            "monthly income is unknown or not positive; the debt load cannot be computed",
            code="income_unknown",
            field="monthly_income_kop",
        )
    if any(payment < 0 for payment in monthly_payments_kop):
        raise InvalidAmount("monthly payments cannot be negative", field="monthly_payments_kop")
    # Integer arithmetic in hundredths of a per cent: a single, exact half-even rounding.
    hundredths = div_round_half_even(sum(monthly_payments_kop) * 100 * 100, monthly_income_kop)
    return Decimal(hundredths).scaleb(-2)


def needs_debt_load_warning(percent: Decimal) -> bool:
    """The borrower is warned in writing when the debt load is above 50 %.

    Give it an unrounded ratio (`debt_load_exceeds_warning` compares the inputs exactly):
    `debt_load_percent` rounds to hundredths, so 50.00002 % would not warn.
    """
    return percent > PDN_WARNING_PERCENT


def debt_load_exceeds_warning(*, monthly_payments_kop: list[int], monthly_income_kop: int) -> bool:
    """Above 50 %, exactly: Σ payments × 100 > 50 × income, in integers (no rounding)."""
    if monthly_income_kop <= 0:
        raise DomainError(
            "monthly income is unknown or not positive; the debt load cannot be computed",
            code="income_unknown",
            field="monthly_income_kop",
        )
    return sum(monthly_payments_kop) * 100 > PDN_WARNING_PERCENT * monthly_income_kop
