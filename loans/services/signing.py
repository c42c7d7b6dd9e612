"""The contract: its schedule, the caps it must keep, and the borrower's signature."""

from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from loans import bureau_outbox, workdays
from loans.business_date import current_business_date
from loans.credit_uid import new_credit_uid
from loans.errors import (
    BureauCheckRequired,
    CapExceeded,
    DomainError,
    LimitExceeded,
    TransitionNotAllowed,
)
from loans.high_psk import check_high_psk_rule
from loans.models import BureauEventKind, Loan, Product, ProductKind, ScheduleItem
from loans.psk import psk_for_schedule
from loans.regulation import Limits, limits_for_contract, penalty_rate
from loans.schedules import Installment, annuity_schedule, pdl_schedule
from loans.services._transitions import Actor, S, _lock, _save
from loans.services.borrowers import bureau_answer_is_fresh, bureau_answer_max_age


def build_schedule(
    *,
    product: Product,
    principal_kop: int,
    term_days: int,
    issue_date: date,
    daily_rate_ppm: int | None = None,
    first_period_days: int | None = None,
) -> list[Installment]:
    """The schedule at the product's rate, or at a lower rate agreed for this loan, with the
    first period the borrower chose (installment loans); a due date on a non-working day moves
    to the next working day (the production calendar)."""
    rate = daily_rate_ppm or product.daily_rate_ppm
    # A first period longer than the regular one pushes the last date out by the difference.
    due_on = _due_on(issue_date, term_days + (first_period_days or 0))
    if product.kind == ProductKind.PDL:
        return pdl_schedule(
            principal_kop=principal_kop,
            daily_rate_ppm=rate,
            term_days=term_days,
            issue_date=issue_date,
            due_on=due_on,
        )
    return annuity_schedule(
        principal_kop=principal_kop,
        daily_rate_ppm=rate,
        period_days=product.period_days,
        periods=term_days // product.period_days,
        issue_date=issue_date,
        due_on=due_on,
        first_period_days=first_period_days,
    )


def _due_on(issue_date: date, term_days: int) -> Callable[[date], date]:
    """The production calendar's 'this day or the next working day' for a contract's dates."""
    return workdays.calendar_for(
        issue_date, issue_date + timedelta(days=term_days + workdays.MAX_RUN_DAYS)
    ).on_or_after


def check_contract_caps(
    *,
    limits: Limits,
    product: Product,
    principal_kop: int,
    items: list[Installment],
    psk,
    daily_rate_ppm: int | None = None,
    signing_fee_kop: int = 0,
) -> None:
    """Refuse terms above a cap, naming it; a fee taken at signing is a charge like interest."""
    rate = daily_rate_ppm or product.daily_rate_ppm
    if signing_fee_kop >= principal_kop:
        raise CapExceeded(
            f"The fee at signing of {signing_fee_kop} kop leaves nothing of the principal of "
            f"{principal_kop} kop to pay out"
        )
    if rate > limits.max_daily_rate_ppm:
        raise CapExceeded(
            f"Daily rate {rate / 10_000:.4f} % is above the cap of "
            f"{limits.max_daily_rate_ppm / 10_000:.4f} % (353-FZ)"
        )
    if psk.percent > limits.max_psk_percent:
        raise CapExceeded(
            f"ПСК {psk.percent} % is above the cap of {limits.max_psk_percent} % (353-FZ art. 6)"
        )
    charges = sum(item.interest_kop for item in items) + signing_fee_kop
    cap = limits.charges_cap_kop(principal_kop)
    if charges > cap:
        raise CapExceeded(
            f"Scheduled charges {charges} kop exceed the cap on all charges of {cap} kop "
            f"({limits.charges_cap_multiplier} × principal)"
        )


def _write_schedule(loan: Loan, items: list[Installment], *, arrears: list[int] | None = None):
    ScheduleItem.objects.bulk_create(
        ScheduleItem(
            loan=loan,
            version=loan.schedule_version,
            seq=item.seq,
            due_date=item.due_date,
            principal_kop=item.principal_kop,
            interest_kop=item.interest_kop,
            arrears_kop=arrears[i] if arrears else 0,
            total_kop=item.total_kop + (arrears[i] if arrears else 0),
        )
        for i, item in enumerate(items)
    )
    loan.next_due_date = items[0].due_date
    loan.maturity_date = items[-1].due_date
    loan.due_passed_kop = 0
    loan.paid_debt_kop = 0


@transaction.atomic
def loan_sign(*, loan: Loan, actor: Actor = None) -> Loan:
    """The borrower signs the offer: freeze the terms, the schedule, ПСК and the limits."""
    loan = _lock(loan, "borrower")
    if loan.status != S.APPROVED:
        raise TransitionNotAllowed(f"Only an approved offer can be signed (status '{loan.status}')")
    if loan.signed_at is not None:
        raise DomainError("The offer is already signed", code="already_signed")
    borrower = loan.borrower
    if not bureau_answer_is_fresh(borrower=borrower):
        # The signing service asks the bureaus first (outside this lock); nothing signs unchecked.
        raise BureauCheckRequired(
            "The credit bureaus have not been asked about this borrower recently enough to sign "
            f"(at most {bureau_answer_max_age()} ago); ask them again",
        )
    if borrower.self_ban_active:
        raise LimitExceeded("The borrower has an active self-ban on loans", code="self_ban")
    on = current_business_date()
    product = loan.product
    limits = limits_for_contract(signed_on=on, category=product.kind)
    rate = loan.daily_rate_ppm or product.daily_rate_ppm
    fee = product.signing_fee_kop
    items = build_schedule(
        product=product,
        principal_kop=loan.principal_kop,
        term_days=loan.term_days,
        issue_date=on,
        daily_rate_ppm=rate,
        first_period_days=loan.first_period_days,
    )
    psk = psk_for_schedule(
        issue_date=on, principal_kop=loan.principal_kop, items=items, signing_fee_kop=fee
    )
    check_contract_caps(
        limits=limits,
        product=product,
        principal_kop=loan.principal_kop,
        items=items,
        psk=psk,
        daily_rate_ppm=rate,
        signing_fee_kop=fee,
    )
    check_high_psk_rule(
        borrower_id=loan.borrower_id,
        limits=limits,
        psk_percent=psk.percent,
        on=on,
        loan_id=loan.pk,
        bureau_outstanding=borrower.bureau_high_psk_loans or 0,
    )
    loan.signed_at = timezone.now()
    loan.signed_on = on
    loan.credit_uid = loan.credit_uid or new_credit_uid()
    loan.daily_rate_ppm = rate
    loan.period_days = product.period_days
    loan.signing_fee_kop = fee
    loan.penalty_mode = product.penalty_mode
    loan.penalty_rate_num, loan.penalty_rate_den = penalty_rate(
        limits=limits, mode=product.penalty_mode
    )
    loan.max_prolongations = product.max_prolongations
    loan.psk_percent = psk.percent
    loan.psk_kop = psk.amount_kop
    loan.charges_cap_kop = limits.charges_cap_kop(loan.principal_kop)
    loan.regulation = limits.row
    loan.limits_snapshot = limits.snapshot()
    _write_schedule(loan, items)
    _save(loan, actor=actor, reason="offer signed")
    bureau_outbox.record_event(kind=BureauEventKind.SIGNED, on=on, loan=loan)
    return loan
