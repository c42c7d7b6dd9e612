"""The debt load (ПДН) kept with the contract: noted at the decision with the other payments the
robot counted, recomputed for the offer shown (its schedule and date), frozen at signing."""

import logging
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kernel.errors import DomainError
from loans.documents.terms import contract_terms
from loans.models import (
    DebtLoad,
    Loan,
    LoanStatus,
    PaymentsSource,
    ScheduleItem,
)
from loans.pdn import average_monthly_payment_kop, income_for_pdn
from loans.schedules import Installment

log = logging.getLogger(__name__)

OPEN_STATUSES = (LoanStatus.DISBURSED, LoanStatus.SERVICED, LoanStatus.OVERDUE)


def _other_open_loans(loan: Loan) -> QuerySet[Loan]:
    return Loan.objects.filter(
        borrower_id=loan.borrower_id, status__in=OPEN_STATUSES, signed_on__isnull=False
    ).exclude(pk=loan.pk)


def internal_monthly_payments_kop(*, loan: Loan) -> int:
    """The average monthly payments of the borrower's other open loans with this lender."""
    others = {row.pk: row.signed_on for row in _other_open_loans(loan)}
    items: dict[int, list[Installment]] = {}
    for row in ScheduleItem.objects.filter(loan_id__in=others, version=1).order_by("seq"):
        items.setdefault(row.loan_id, []).append(
            Installment(row.seq, row.due_date, row.principal_kop, row.interest_kop)
        )
    return sum(
        average_monthly_payment_kop(items=rows, issue_date=others[pk]) for pk, rows in items.items()
    )


def _compute(loan: Loan, *, other_payments_kop: int, source: str) -> dict | None:
    terms = contract_terms(loan=loan)
    borrower = loan.borrower
    issue = date.fromisoformat(terms["signed_on"])
    items = [
        Installment(
            row["seq"],
            date.fromisoformat(row["due_date"]),
            row["principal_kop"],
            row["interest_kop"],
        )
        for row in terms["schedule"]
    ]
    income, rule = income_for_pdn(
        declared_kop=borrower.declared_income_kop,
        confirmed_kop=borrower.confirmed_income_kop,
        regional_average_kop=borrower.region.average_income_kop,
        loan_principal_kop=loan.principal_kop,
        on_date=issue,
    )
    if income <= 0:
        return None  # no income: no ratio (the robot refuses such applications)
    return {
        "other_payments_kop": other_payments_kop,
        "other_payments_source": source,
        "new_payment_kop": average_monthly_payment_kop(items=items, issue_date=issue),
        "income_kop": income,
        "income_rule": rule,
        "declared_income_kop": borrower.declared_income_kop,
        "confirmed_income_kop": borrower.confirmed_income_kop,
        "regional_average_kop": borrower.region.average_income_kop,
        "computed_on": issue,
    }


@transaction.atomic
def debt_load_note(*, loan: Loan, other_payments_kop: int | None) -> DebtLoad | None:
    """At the decision: the other monthly payments the robot counted (bureaus and own loans);
    unknown (None) counts the lender's own open loans."""
    if other_payments_kop is None:
        other, source = internal_monthly_payments_kop(loan=loan), PaymentsSource.INTERNAL
    else:
        other, source = other_payments_kop, PaymentsSource.SCORING
    try:
        values = _compute(loan, other_payments_kop=other, source=source)
    except DomainError as refusal:
        # The decision stands; the offer's own checks refuse such terms when it is shown.
        log.warning("debt load not computed for loan %s: %s", loan.pk, refusal.code)
        return None
    if values is None:
        return None
    existing = DebtLoad.objects.filter(loan=loan).first()
    if existing is not None and existing.frozen:
        return existing
    debt_load, _created = DebtLoad.objects.update_or_create(loan=loan, defaults=values)
    return debt_load


@transaction.atomic
def debt_load_for_offer(*, loan: Loan) -> DebtLoad | None:
    """ПДН of the offer shown now (its schedule starts today), or the frozen one once signed."""
    current = DebtLoad.objects.filter(loan=loan).first()
    if current is not None and current.frozen:
        return current
    if current is None:
        return debt_load_note(loan=loan, other_payments_kop=None)
    values = _compute(
        loan,
        other_payments_kop=current.other_payments_kop,
        source=current.other_payments_source,
    )
    if values is None:
        return None
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, values[name])
        current.save(update_fields=[*changed, "updated_at"])
    return current


@transaction.atomic
def debt_load_freeze(*, loan: Loan) -> DebtLoad | None:
    """At signing: the ПДН of the signed terms, kept as it is from now on."""
    debt_load = debt_load_for_offer(loan=loan)
    if debt_load is None or debt_load.frozen:
        return debt_load
    debt_load.frozen = True
    debt_load.save(update_fields=["frozen", "updated_at"])
    return debt_load


@transaction.atomic
def debt_load_acknowledge(*, debt_load: DebtLoad, acknowledged: bool) -> DebtLoad:
    """The borrower acknowledged the notice of a debt load above 50 % when signing."""
    if not debt_load.needs_notice:
        return debt_load
    if not acknowledged:
        raise DomainError(
            "The debt load is above 50 %: the notice must be acknowledged",
            code="pdn_notice_required",
            field="pdn_notice_acknowledged",
        )
    debt_load.notice_acknowledged_at = timezone.now()
    debt_load.save(update_fields=["notice_acknowledged_at", "updated_at"])
    return debt_load
