"""Reads of the loan book that views and the API share."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from loans import services as loan_services
from loans.business_date import current_business_date
from loans.models import (
    Borrower,
    IncomingPayment,
    Loan,
    Product,
    ScheduleItem,
)
from loans.psk import Psk, psk_for_schedule
from loans.regulation import limits_for_contract
from loans.schedules import Installment, schedule_total_kop
from loans.services.applications import _check_product_terms


def borrower_loans(*, borrower: Borrower) -> QuerySet[Loan]:
    # Through the related manager, so each loan already holds its borrower.
    return borrower.loans.select_related("product").order_by("-pk")


def current_schedule(*, loan: Loan) -> QuerySet[ScheduleItem]:
    return ScheduleItem.objects.filter(loan=loan, version=loan.schedule_version).order_by("seq")


def loan_payments(*, loan: Loan) -> QuerySet[IncomingPayment]:
    return IncomingPayment.objects.filter(loan=loan).order_by("received_at", "pk")


@dataclass(frozen=True)
class Quote:
    product: Product
    principal_kop: int
    term_days: int
    issue_date: date
    items: list[Installment]
    psk: Psk

    @property
    def total_kop(self) -> int:
        return schedule_total_kop(self.items)


def loan_quote(
    *,
    product: Product,
    amount_kop: int,
    term_days: int,
    daily_rate_ppm: int | None = None,
    first_period_days: int | None = None,
) -> Quote:
    """The schedule and ПСК a contract signed today would have: the contract's own code."""
    _check_product_terms(product=product, amount_kop=amount_kop, term_days=term_days)
    on = current_business_date()
    items = loan_services.build_schedule(
        product=product,
        principal_kop=amount_kop,
        term_days=term_days,
        issue_date=on,
        daily_rate_ppm=daily_rate_ppm,
        first_period_days=first_period_days,
    )
    fee = product.signing_fee_kop
    psk = psk_for_schedule(
        issue_date=on, principal_kop=amount_kop, items=items, signing_fee_kop=fee
    )
    limits = limits_for_contract(signed_on=on, category=product.kind)
    loan_services.check_contract_caps(
        limits=limits,
        product=product,
        principal_kop=amount_kop,
        items=items,
        psk=psk,
        daily_rate_ppm=daily_rate_ppm,
        signing_fee_kop=fee,
    )
    return Quote(product, amount_kop, term_days, on, items, psk)
