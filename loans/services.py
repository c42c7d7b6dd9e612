"""Every write to a loan: one typed, keyword-only function per domain action.

Each runs in a transaction, locks the loan, calls the FSM transition, writes the transition
log and the ledger, and defers side effects (the gateway) to `transaction.on_commit`.
"""

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed

from kernel import dispatch
from loans import bureau_outbox, servicing, workdays
from loans.business_date import current_business_date
from loans.credit_uid import new_credit_uid
from loans.errors import (
    BureauCheckRequired,
    CapExceeded,
    Conflict,
    DomainError,
    InvalidAmount,
    LimitExceeded,
    TransitionNotAllowed,
)
from loans.high_psk import check_high_psk_rule
from loans.ledger import Line, post_entry
from loans.messaging import message_enqueue
from loans.models import (
    Account,
    Borrower,
    BureauEventKind,
    IncomingPayment,
    Loan,
    LoanStatus,
    PayoutOrder,
    PayoutStatus,
    Product,
    ProductKind,
    RestructuringRequest,
    ScheduleItem,
    TransitionLog,
)
from loans.models.products import PenaltyMode
from loans.models.restructuring import (
    MAX_PERIOD_DAYS,
    MAX_PERIODS,
    MIN_PERIOD_DAYS,
    MIN_PERIODS,
    OPEN_RESTRUCTURING,
)
from loans.money import PPM, MoneyError, daily_interest_kop, format_rub, require_positive_kop
from loans.payment_details import payout_destination_fields
from loans.psk import psk_for_schedule
from loans.regulation import Limits, earliest_payout, limits_for_contract
from loans.schedules import Installment, annuity_schedule, pdl_schedule

log = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
S = LoanStatus
PROLONGATION_MIN_DAYS = 7
# django-simple-history keeps a change reason in 100 characters; the full text is in TransitionLog.
HISTORY_REASON_MAX = 100
PROLONGATION_MAX_DAYS = 30


def _lock(loan: Loan, *related: str) -> Loan:
    """The loan read again under a row lock, with its product (and `related`) in the same read;
    only the loan's row is locked."""
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", *related)
        .get(pk=loan.pk)
    )


def _transition(loan: Loan, name: str, *, actor: Actor, reason: str = "", on: date | None = None):
    source = loan.status
    try:
        getattr(loan, name)()
    except FsmTransitionNotAllowed as exc:
        raise TransitionNotAllowed(
            f"Transition '{name}' is not allowed from status '{source}'",
            code="transition_not_allowed",
        ) from exc
    loan._history_user = actor
    loan._change_reason = (reason or name)[:HISTORY_REASON_MAX]
    TransitionLog.objects.create(
        loan=loan,
        transition=name,
        source=source,
        target=loan.status,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        reason=reason,
        business_date=on or current_business_date(),
    )
    bureau_outbox.record_transition(
        loan=loan, name=name, source=source, reason=reason, on=on or current_business_date()
    )


def _save(loan: Loan, *, actor: Actor, reason: str = "") -> None:
    loan._history_user = actor
    # Without a reason of its own the history row keeps the transition's.
    loan._change_reason = (reason or getattr(loan, "_change_reason", ""))[:HISTORY_REASON_MAX]
    loan.save()


def _positive_kop(amount_kop: int, *, what: str = "amount") -> int:
    try:
        return require_positive_kop(amount_kop, what=what)
    except MoneyError as exc:
        raise InvalidAmount(str(exc), field="amount_kop") from exc


# --- borrowers ---------------------------------------------------------------------------


@transaction.atomic
def borrower_record_self_ban(
    *, borrower: Borrower, active: bool, checked_at: datetime, high_psk_loans: int | None = None
) -> None:
    """Record what the credit bureaus said about the borrower's self-ban (самозапрет) and, when
    given, how many outstanding loans with a high ПСК they know of (545-FZ).

    An answer older than the one on record changes nothing: of two applications scored at
    once, the earlier bureau answer must not overwrite the later one. The history keeps the
    self-ban being reported and lifted, not every check that finds it unchanged (nor absent).
    """
    not_older = Q(self_ban_checked_at__isnull=True) | Q(self_ban_checked_at__lte=checked_at)
    unchanged = Q(self_ban_active=True) if active else ~Q(self_ban_active=True)
    values = {"self_ban_active": active, "self_ban_checked_at": checked_at}
    if high_psk_loans is not None:
        values["bureau_high_psk_loans"] = high_psk_loans
    # Nearly every check finds the flag as it was: one UPDATE, decided by the row itself.
    if Borrower.objects.filter(not_older, unchanged, pk=borrower.pk).update(
        **values, updated_at=timezone.now()
    ):
        return
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    if borrower.self_ban_checked_at is not None and borrower.self_ban_checked_at > checked_at:
        return
    flipped = bool(borrower.self_ban_active) != active
    for name, value in values.items():
        setattr(borrower, name, value)
    fields = [*values, "updated_at"]
    if flipped:
        borrower._change_reason = f"credit bureaus: self-ban {'reported' if active else 'lifted'}"
        borrower.save(update_fields=fields)
    else:  # another check wrote this same answer meanwhile
        borrower.save_without_historical_record(update_fields=fields)


def bureau_answer_max_age() -> timedelta:
    """How old the bureaus' last answer may be when a loan is signed (setting, hours)."""
    return timedelta(hours=float(getattr(settings, "SIGNING_BUREAU_MAX_AGE_HOURS", 4)))


def bureau_answer_is_fresh(*, borrower: Borrower, now: datetime | None = None) -> bool:
    """Did the bureaus answer about this borrower recently enough to sign without asking?"""
    checked_at = borrower.self_ban_checked_at
    if checked_at is None or borrower.bureau_high_psk_loans is None:
        return False
    return (now or timezone.now()) - checked_at <= bureau_answer_max_age()


# --- application and decision -------------------------------------------------------------


@transaction.atomic
def loan_apply(
    *, borrower: Borrower, product: Product, amount_kop: int, term_days: int, actor: Actor = None
) -> Loan:
    _positive_kop(amount_kop, what="amount")
    _check_product_terms(product=product, amount_kop=amount_kop, term_days=term_days)
    if product.repeat_only and not borrower.loans.filter(status=S.CLOSED).exists():
        raise DomainError(
            f"Product {product.code} is for repeat borrowers only", code="repeat_only_product"
        )
    loan = Loan(
        borrower=borrower,
        product=product,
        requested_amount_kop=amount_kop,
        requested_term_days=term_days,
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


# --- the contract ------------------------------------------------------------------------


def build_schedule(
    *,
    product: Product,
    principal_kop: int,
    term_days: int,
    issue_date: date,
    daily_rate_ppm: int | None = None,
) -> list[Installment]:
    """The schedule at the product's rate, or at a lower rate agreed for this loan; a due
    date on a non-working day moves to the next working day (the production calendar)."""
    rate = daily_rate_ppm or product.daily_rate_ppm
    due_on = _due_on(issue_date, term_days)
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
) -> None:
    rate = daily_rate_ppm or product.daily_rate_ppm
    if rate > limits.max_daily_rate_ppm:
        raise CapExceeded(
            f"Daily rate {rate / 10_000:.4f} % is above the cap of "
            f"{limits.max_daily_rate_ppm / 10_000:.4f} % (353-FZ)"
        )
    if psk.percent > limits.max_psk_percent:
        raise CapExceeded(
            f"ПСК {psk.percent} % is above the cap of {limits.max_psk_percent} % (353-FZ art. 6)"
        )
    charges = sum(item.interest_kop for item in items)
    cap = limits.charges_cap_kop(principal_kop)
    if charges > cap:
        raise CapExceeded(
            f"Scheduled charges {charges} kop exceed the cap on all charges of {cap} kop "
            f"({limits.charges_cap_multiplier} × principal)"
        )


def _penalty_rate(product: Product, limits: Limits) -> tuple[int, int]:
    if product.penalty_mode == PenaltyMode.DAILY_WITHOUT_INTEREST:
        return limits.penalty_without_interest_daily_ppm, PPM
    # percent per annum with three decimals → numerator over 100 × 1000 × 365
    return int(limits.penalty_with_interest_annual_percent * 1000), 100 * 1000 * 365


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
    items = build_schedule(
        product=product,
        principal_kop=loan.principal_kop,
        term_days=loan.term_days,
        issue_date=on,
        daily_rate_ppm=rate,
    )
    psk = psk_for_schedule(issue_date=on, principal_kop=loan.principal_kop, items=items)
    check_contract_caps(
        limits=limits,
        product=product,
        principal_kop=loan.principal_kop,
        items=items,
        psk=psk,
        daily_rate_ppm=rate,
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
    loan.penalty_mode = product.penalty_mode
    loan.penalty_rate_num, loan.penalty_rate_den = _penalty_rate(product, limits)
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


# --- payout ------------------------------------------------------------------------------


@transaction.atomic
def loan_disburse(
    *, loan: Loan, method: str, destination: dict, actor: Actor = None
) -> PayoutOrder:
    """Order the payout. The gateway is called after commit; its answer comes back later.

    Before the 115-FZ cooling time after signing has passed, the order is only scheduled:
    `payout_release_due` sends it when its time comes (the loan stays approved until then).
    """
    loan = _lock(loan)
    if loan.signed_at is None:
        raise TransitionNotAllowed("The offer must be signed before payout")
    earlier = list(loan.payouts.only("status", "not_before").order_by("pk"))
    waiting = next((p for p in earlier if p.status == PayoutStatus.SCHEDULED), None)
    if waiting is not None:
        raise TransitionNotAllowed(
            f"A payout is already scheduled for {waiting.not_before:%Y-%m-%d %H:%M %Z}",
            code="payout_scheduled",
        )
    on = current_business_date()
    order = PayoutOrder(
        loan=loan,
        amount_kop=loan.principal_kop,
        method=method,
        **payout_destination_fields(method=method, destination=destination, today=on),
    )
    order.attempt = len(earlier) + 1
    order.not_before = earliest_payout(
        principal_kop=loan.principal_kop, signed_at=loan.signed_at, signed_on=loan.signed_on
    )
    if order.not_before > timezone.now():
        order.status = PayoutStatus.SCHEDULED
        order.save()
        return order
    return _send_payout_order(order, loan=loan, actor=actor, on=on)


def _send_payout_order(order: PayoutOrder, *, loan: Loan, actor: Actor, on: date) -> PayoutOrder:
    _transition(loan, "disburse", actor=actor, on=on)
    order.status = PayoutStatus.SENT
    order.save()
    post_entry(
        key=f"payout-sent:{order.pk}",
        kind="payout_sent",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.PAYOUTS_IN_TRANSIT, order.amount_kop),
            Line(Account.CASH, -order.amount_kop),
        ],
    )
    _save(loan, actor=actor)
    dispatch.on_commit("loans.tasks.send_payout", order.pk, task_name=f"payout-{order.pk}")
    return order


@transaction.atomic
def payout_release_due(*, now: datetime | None = None) -> list[int]:
    """Send the scheduled payouts whose cooling time has passed (a schedule, every minute).

    A loan cancelled while its payout waited keeps its money: the order fails instead."""
    now = now or timezone.now()
    released = []
    due = PayoutOrder.objects.select_for_update().filter(
        status=PayoutStatus.SCHEDULED, not_before__lte=now
    )
    for order in due.order_by("not_before", "pk"):
        loan = _lock(order.loan)
        if loan.status != LoanStatus.APPROVED:
            order.status = PayoutStatus.FAILED
            order.failure_reason = f"the loan is {loan.status}; nothing was paid out"
            order.save(update_fields=["status", "failure_reason", "updated_at"])
            continue
        _send_payout_order(order, loan=loan, actor=None, on=current_business_date())
        released.append(order.pk)
    return released


def _lock_payout(payout_id: int) -> PayoutOrder:
    return PayoutOrder.objects.select_for_update().select_related("loan").get(pk=payout_id)


@transaction.atomic
def payout_mark_pending(*, payout_id: int) -> PayoutOrder:
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.SENT:
        payout.status = PayoutStatus.PENDING
        payout.save(update_fields=["status", "updated_at"])
    return payout


@transaction.atomic
def payout_succeeded(*, payout_id: int, reference: str = "") -> PayoutOrder:
    """The gateway confirms the money reached the borrower: the loan goes live. Idempotent."""
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.SUCCEEDED:
        return payout
    if payout.status == PayoutStatus.FAILED:
        raise DomainError("This payout was already reported failed", code="payout_already_failed")
    loan = _lock(payout.loan)
    on = current_business_date()
    _transition(loan, "confirm_payout", actor=None, on=on)
    post_entry(
        key=f"payout-done:{payout.pk}",
        kind="payout_confirmed",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.LOAN_PRINCIPAL, payout.amount_kop, loan.pk),
            Line(Account.PAYOUTS_IN_TRANSIT, -payout.amount_kop),
        ],
    )
    loan.issue_date = on
    loan.accrued_through = on
    loan.principal_out_kop = payout.amount_kop
    if on != loan.signed_on:
        _redate_schedule(loan, on=on)
    _save(loan, actor=None, reason="payout confirmed")
    payout.status = PayoutStatus.SUCCEEDED
    payout.gateway_ref = reference
    payout.save(update_fields=["status", "gateway_ref", "updated_at"])
    return payout


def _redate_schedule(loan: Loan, *, on: date) -> None:
    """The money reached the borrower on a later business date than the signing: the schedule
    starts that day at the terms signed (amount, rate, term, period frozen on the loan, never the
    product's of today), its ПСК recomputed and checked against the caps of the signing date,
    and the borrower is sent the new dates."""
    product = loan.product
    if product.kind == ProductKind.PDL:
        items = pdl_schedule(
            principal_kop=loan.principal_kop,
            daily_rate_ppm=loan.daily_rate_ppm,
            term_days=loan.term_days,
            issue_date=on,
        )
    else:
        items = annuity_schedule(
            principal_kop=loan.principal_kop,
            daily_rate_ppm=loan.daily_rate_ppm,
            period_days=loan.period_days,
            periods=loan.term_days // loan.period_days,
            issue_date=on,
        )
    psk = psk_for_schedule(issue_date=on, principal_kop=loan.principal_kop, items=items)
    try:
        check_contract_caps(
            limits=limits_for_contract(signed_on=loan.signed_on, category=product.kind),
            product=product,
            principal_kop=loan.principal_kop,
            items=items,
            psk=psk,
            daily_rate_ppm=loan.daily_rate_ppm,
        )
    except CapExceeded:
        # The same terms over periods of the same length cannot cost more; should they, the
        # signed dates stand rather than a schedule the law forbids.
        log.error("loan %s: the re-dated schedule breaks a cap; the signed one is kept", loan.pk)
        return
    ScheduleItem.objects.filter(loan=loan).delete()
    _write_schedule(loan, items)
    loan.psk_percent = psk.percent
    loan.psk_kop = psk.amount_kop
    first = items[0]
    message_enqueue(
        borrower=loan.borrower,
        phone=loan.borrower.phone,
        kind="schedule_redated",
        body=(
            f"Займер: деньги по договору №{loan.pk} зачислены {on:%d.%m.%Y}. Первый платёж "
            f"{format_rub(first.total_kop)} — {first.due_date:%d.%m.%Y}; график в приложении."
        ),
    )


@transaction.atomic
def payout_failed(*, payout_id: int, reason: str) -> PayoutOrder:
    """The gateway refused: money back to cash, the loan back to approved. Idempotent."""
    payout = _lock_payout(payout_id)
    if payout.status == PayoutStatus.FAILED:
        return payout
    if payout.status == PayoutStatus.SUCCEEDED:
        raise DomainError("This payout was already reported paid", code="payout_already_paid")
    loan = _lock(payout.loan)
    on = current_business_date()
    _transition(loan, "payout_failed", actor=None, reason=reason, on=on)
    post_entry(
        key=f"payout-failed:{payout.pk}",
        kind="payout_failed",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.CASH, payout.amount_kop),
            Line(Account.PAYOUTS_IN_TRANSIT, -payout.amount_kop),
        ],
    )
    _save(loan, actor=None, reason="payout failed")
    payout.status = PayoutStatus.FAILED
    payout.failure_reason = reason[:200]
    payout.save(update_fields=["status", "failure_reason", "updated_at"])
    return payout


# --- servicing ---------------------------------------------------------------------------


def _require_live(loan: Loan, action: str) -> None:
    if loan.status not in (S.SERVICED, S.OVERDUE):
        raise TransitionNotAllowed(
            f"Cannot {action}: the loan is {loan.get_status_display().lower()}"
        )


def accrue_through(*, loan: Loan, on: date) -> None:
    """Accrue the days (accrued_through, on] for one locked loan, as COB would."""
    day = (loan.accrued_through or loan.issue_date) + timedelta(days=1)
    while day <= on:
        accrual = servicing.day_accrual(loan)
        if accrual.interest_kop or accrual.penalty_kop:
            post_entry(
                key=f"accrual:{loan.pk}:{day.isoformat()}",
                kind="accrual",
                business_date=day,
                loan=loan,
                lines=[
                    Line(Account.LOAN_INTEREST, accrual.interest_kop, loan.pk),
                    Line(Account.INTEREST_INCOME, -accrual.interest_kop),
                    Line(Account.LOAN_PENALTY, accrual.penalty_kop, loan.pk),
                    Line(Account.PENALTY_INCOME, -accrual.penalty_kop),
                ],
            )
            loan.interest_out_kop += accrual.interest_kop
            loan.penalty_out_kop += accrual.penalty_kop
            loan.charges_total_kop += accrual.interest_kop + accrual.penalty_kop
        loan.accrued_through = day
        day += timedelta(days=1)


def _refresh_overdue(loan: Loan, *, actor: Actor, on: date) -> None:
    split = servicing.overdue_split(loan)
    loan.interest_overdue_kop = split.interest_kop
    loan.principal_overdue_kop = split.principal_kop
    if loan.status == S.OVERDUE and not servicing.is_in_arrears(loan) and loan.debt_kop > 0:
        _transition(loan, "cure", actor=actor, reason="arrears paid", on=on)
        loan.overdue_since = None
        loan.days_past_due = 0


def _close_if_repaid(loan: Loan, *, actor: Actor, on: date) -> None:
    if loan.debt_kop == 0:
        _transition(loan, "repay_in_full", actor=actor, on=on)
        loan.closed_on = on
        loan.next_due_date = None
        loan.interest_overdue_kop = loan.principal_overdue_kop = 0
        loan.overdue_since = None
        loan.days_past_due = 0


def _existing_payment(*, provider: str, event_id: str, loan: Loan, amount_kop: int):
    existing = IncomingPayment.objects.filter(provider=provider, event_id=event_id).first()
    if existing and (existing.loan_id != loan.pk or existing.amount_kop != amount_kop):
        raise DomainError(
            "This provider event was already recorded with another loan or amount",
            code="event_conflict",
        )
    return existing


def _post_payment(
    *, loan: Loan, allocation: servicing.Allocation, key: str, on: date, kind: str
) -> "IncomingPayment":
    a = allocation
    bureau_outbox.record_event(
        kind=BureauEventKind.PAYMENT,
        on=on,
        loan=loan,
        extra={"payment_kop": a.total_kop, "payment_kind": kind, "allocation": a.as_dict()},
    )
    return post_entry(
        key=key,
        kind=kind,
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.CASH, a.total_kop),
            Line(Account.LOAN_INTEREST, -(a.overdue_interest_kop + a.interest_kop), loan.pk),
            Line(Account.LOAN_PRINCIPAL, -(a.overdue_principal_kop + a.principal_kop), loan.pk),
            Line(Account.LOAN_PENALTY, -a.penalty_kop, loan.pk),
            Line(Account.LOAN_FEES, -a.fees_kop, loan.pk),
            Line(Account.BORROWER_OVERPAYMENT, -a.overpayment_kop, loan.pk),
        ],
    )


def _apply_allocation(loan: Loan, a: servicing.Allocation) -> None:
    loan.interest_out_kop -= a.overdue_interest_kop + a.interest_kop
    loan.principal_out_kop -= a.overdue_principal_kop + a.principal_kop
    loan.penalty_out_kop -= a.penalty_kop
    loan.fees_out_kop -= a.fees_kop
    loan.overpayment_kop += a.overpayment_kop
    loan.paid_debt_kop += a.to_debt_kop
    loan.interest_overdue_kop = max(0, loan.interest_overdue_kop - a.overdue_interest_kop)
    loan.principal_overdue_kop = max(0, loan.principal_overdue_kop - a.overdue_principal_kop)


def _book_payment(
    *, loan: Loan, allocation: servicing.Allocation, provider: str, event_id: str, on: date
) -> IncomingPayment:
    """The provider's payment as one keyed journal entry and its IncomingPayment row."""
    entry = _post_payment(
        loan=loan,
        allocation=allocation,
        key=f"payment:{provider}:{event_id}",
        on=on,
        kind="repayment",
    )
    return IncomingPayment.objects.create(
        provider=provider,
        event_id=event_id,
        loan=loan,
        amount_kop=allocation.total_kop,
        business_date=on,
        entry=entry,
        allocation=allocation.as_dict(),
    )


@transaction.atomic
def loan_repay(
    *, loan: Loan, amount_kop: int, provider: str, event_id: str, actor: Actor = None
) -> IncomingPayment:
    """Apply a repayment in the legal order; the same provider event twice changes nothing."""
    _positive_kop(amount_kop)
    loan = _lock(loan)
    existing = _existing_payment(
        provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop
    )
    if existing:
        return existing
    _require_live(loan, "accept a repayment")
    on = current_business_date()
    accrue_through(loan=loan, on=on)
    allocation = servicing.allocate(loan, amount_kop)
    payment = _book_payment(
        loan=loan, allocation=allocation, provider=provider, event_id=event_id, on=on
    )
    _apply_allocation(loan, allocation)
    _close_if_repaid(loan, actor=actor, on=on)
    if loan.status != S.CLOSED:
        _refresh_overdue(loan, actor=actor, on=on)
    _save(loan, actor=actor, reason="repayment")
    return payment


@transaction.atomic
def loan_payment_received(
    *, loan: Loan, amount_kop: int, provider: str, event_id: str, actor: Actor = None
) -> IncomingPayment:
    """Money the provider has collected for a loan, booked once per provider event and never
    refused: a live loan takes it as a repayment (the rest held as overpayment); a loan that is
    closed, written off, or not yet live holds all of it for the borrower (a refund due)."""
    _positive_kop(amount_kop)
    loan = _lock(loan)
    existing = _existing_payment(
        provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop
    )
    if existing:
        return existing
    if loan.status in (S.SERVICED, S.OVERDUE):
        return loan_repay(
            loan=loan, amount_kop=amount_kop, provider=provider, event_id=event_id, actor=actor
        )
    on = current_business_date()
    allocation = servicing.Allocation(overpayment_kop=amount_kop)
    payment = _book_payment(
        loan=loan, allocation=allocation, provider=provider, event_id=event_id, on=on
    )
    loan.overpayment_kop += amount_kop
    _save(loan, actor=actor, reason=f"payment held for the borrower: the loan is {loan.status}")
    return payment


def _accrued_copy(loan: Loan, *, on: date) -> Loan:
    """An unsaved copy of the loan as `accrue_through(on=on)` would leave it."""
    probe = Loan(**{f.attname: getattr(loan, f.attname) for f in Loan._meta.concrete_fields})
    day = (loan.accrued_through or loan.issue_date) + timedelta(days=1)
    while day <= on:
        accrual = servicing.day_accrual(probe)
        probe.interest_out_kop += accrual.interest_kop
        probe.penalty_out_kop += accrual.penalty_kop
        probe.charges_total_kop += accrual.interest_kop + accrual.penalty_kop
        probe.accrued_through = day
        day += timedelta(days=1)
    return probe


def repayment_quote_kop(*, loan: Loan, on: date | None = None) -> int:
    """What repays the loan in full today: debt with today's interest (days used only)."""
    _require_live(loan, "quote a repayment")
    return _accrued_copy(loan, on=on or current_business_date()).debt_kop


def prolongation_quote(*, loan: Loan, days: int, on: date | None = None) -> dict:
    """What a prolongation costs today and what it changes; raises if a rule forbids it."""
    on = on or current_business_date()
    if loan.product.kind != ProductKind.PDL:
        raise DomainError("Only payday loans can be prolonged", code="prolongation_not_allowed")
    _require_live(loan, "prolong")
    if not PROLONGATION_MIN_DAYS <= days <= PROLONGATION_MAX_DAYS:
        raise DomainError(
            f"A prolongation moves the due date by "
            f"{PROLONGATION_MIN_DAYS}–{PROLONGATION_MAX_DAYS} days",
            code="invalid_prolongation_days",
            field="days",
        )
    if loan.prolongations >= loan.max_prolongations:
        raise LimitExceeded(
            f"The product allows {loan.max_prolongations} prolongation(s); "
            f"{loan.prolongations} already used",
            code="prolongation_limit",
        )
    debt_today = repayment_quote_kop(loan=loan, on=on)
    charges_due = debt_today - loan.principal_out_kop
    fee = loan.product.prolongation_fee_kop
    new_due = workdays.on_or_after(max(loan.maturity_date, on) + timedelta(days=days))
    interest = (new_due - on).days * daily_interest_kop(loan.principal_out_kop, loan.daily_rate_ppm)
    accrued_today = debt_today - loan.debt_kop
    room = loan.charges_room_kop - accrued_today
    if fee + interest > room:
        raise CapExceeded(
            f"The prolongation would bring charges above the cap on all charges "
            f"({loan.charges_cap_kop} kop)",
        )
    return {
        "pay_kop": charges_due + fee,
        "fee_kop": fee,
        "new_due_date": new_due,
        "interest_kop": interest,
    }


@transaction.atomic
def loan_prolong(
    *, loan: Loan, days: int, provider: str, event_id: str, amount_kop: int, actor: Actor = None
) -> Loan:
    """Prolong a payday loan against a payment of the accrued charges plus the fee."""
    loan = _lock(loan)
    if IncomingPayment.objects.filter(provider=provider, event_id=event_id).exists():
        _existing_payment(provider=provider, event_id=event_id, loan=loan, amount_kop=amount_kop)
        return loan
    on = current_business_date()
    quote = prolongation_quote(loan=loan, days=days, on=on)
    if amount_kop != quote["pay_kop"]:
        raise InvalidAmount(
            f"A prolongation for {days} days needs a payment of exactly {quote['pay_kop']} kop",
            field="amount_kop",
        )
    accrue_through(loan=loan, on=on)
    fee = quote["fee_kop"]
    if fee:
        post_entry(
            key=f"prolongation-fee:{provider}:{event_id}",
            kind="fee",
            business_date=on,
            loan=loan,
            lines=[Line(Account.LOAN_FEES, fee, loan.pk), Line(Account.FEE_INCOME, -fee)],
        )
        loan.fees_out_kop += fee
        loan.charges_total_kop += fee
    allocation = servicing.Allocation(
        overdue_interest_kop=0,
        penalty_kop=loan.penalty_out_kop,
        interest_kop=loan.interest_out_kop,
        fees_kop=loan.fees_out_kop,
    )
    entry = _post_payment(
        loan=loan,
        allocation=allocation,
        key=f"payment:{provider}:{event_id}",
        on=on,
        kind="prolongation",
    )
    IncomingPayment.objects.create(
        provider=provider,
        event_id=event_id,
        loan=loan,
        amount_kop=amount_kop,
        business_date=on,
        entry=entry,
        allocation=allocation.as_dict(),
    )
    _apply_allocation(loan, allocation)
    loan.prolongations += 1
    loan.schedule_version += 1
    item = Installment(
        seq=1,
        due_date=quote["new_due_date"],
        principal_kop=loan.principal_out_kop,
        interest_kop=quote["interest_kop"],
    )
    _write_schedule(loan, [item])
    _reset_arrears(loan, actor=actor, on=on, reason=f"prolonged by {days} days")
    _save(loan, actor=actor, reason="prolongation")
    bureau_outbox.record_event(
        kind=BureauEventKind.PROLONGATION, on=on, loan=loan, extra={"days": days}
    )
    return loan


def _reset_arrears(loan: Loan, *, actor: Actor, on: date, reason: str) -> None:
    loan.interest_overdue_kop = loan.principal_overdue_kop = 0
    if loan.status == S.OVERDUE:
        _transition(loan, "cure", actor=actor, reason=reason, on=on)
    loan.overdue_since = None
    loan.days_past_due = 0


def restructuring_plan(
    *,
    loan: Loan,
    periods: int,
    period_days: int,
    on: date,
    due_on: Callable[[date], date] | None = None,
) -> tuple[list[Installment], list[int]]:
    """Level installments for the debt, with the part of each that pays earlier charges.

    A payment goes to the penalty and the interest (earlier and new) before principal, so the
    plan clears the arrears first and the principal, on which interest accrues, follows; fees
    come after principal, in the last installment. Interest stops at the cap on all charges, as
    accrual does. The level is the smallest payment the last installment does not exceed.
    Due dates on non-working days move to the next working day, their interest with them.
    """
    due_on = due_on or _due_on(on, periods * period_days)

    def build(level: int) -> tuple[list[Installment], list[int]]:
        outstanding = loan.principal_out_kop
        arrears = loan.interest_out_kop + loan.penalty_out_kop
        room = loan.charges_room_kop
        items, shares = [], []
        previous = on
        for seq in range(1, periods + 1):
            due = due_on(on + timedelta(days=seq * period_days))
            days, previous = (due - previous).days, due
            interest = min(days * daily_interest_kop(outstanding, loan.daily_rate_ppm), room)
            room -= interest
            if seq == periods:
                share, principal = arrears + loan.fees_out_kop, outstanding
            else:
                share = min(arrears, max(0, level - interest))
                principal = min(outstanding, max(0, level - interest - share))
                arrears -= share
            outstanding -= principal
            items.append(Installment(seq, due, principal, interest))
            shares.append(share)
        return items, shares

    low, high = 0, loan.debt_kop + loan.charges_room_kop
    while low < high:
        level = (low + high) // 2
        items, shares = build(level)
        if items[-1].total_kop + shares[-1] <= level:
            high = level
        else:
            low = level + 1
    return build(low)


def _check_restructuring(*, loan: Loan, periods: int, period_days: int) -> None:
    if loan.status != S.OVERDUE:
        raise TransitionNotAllowed("Only an overdue loan can be restructured")
    if not (
        MIN_PERIODS <= periods <= MAX_PERIODS and MIN_PERIOD_DAYS <= period_days <= MAX_PERIOD_DAYS
    ):
        raise DomainError(
            f"A plan has {MIN_PERIODS}–{MAX_PERIODS} installments every "
            f"{MIN_PERIOD_DAYS}–{MAX_PERIOD_DAYS} days",
            code="invalid_restructuring",
        )


def restructuring_preview(
    *, loan: Loan, periods: int, period_days: int, on: date | None = None
) -> tuple[list[Installment], list[int]]:
    """The plan `loan_restructure` would build today, without changing the loan."""
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    on = on or current_business_date()
    return restructuring_plan(
        loan=_accrued_copy(loan, on=on), periods=periods, period_days=period_days, on=on
    )


@transaction.atomic
def restructuring_request(*, loan: Loan, periods: int, period_days: int) -> RestructuringRequest:
    """The borrower asks for a plan; collection offers one. One open request per loan."""
    loan = _lock(loan)
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    if loan.restructuring_requests.filter(status__in=OPEN_RESTRUCTURING).exists():
        raise Conflict(
            "A restructuring request for this loan is already open",
            code="restructuring_already_requested",
        )
    return RestructuringRequest.objects.create(loan=loan, periods=periods, period_days=period_days)


@transaction.atomic
def loan_restructure(*, loan: Loan, periods: int, period_days: int, actor: Actor = None) -> Loan:
    """Turn an overdue loan into an installment plan: penalties stop, the cap still holds."""
    loan = _lock(loan)
    _check_restructuring(loan=loan, periods=periods, period_days=period_days)
    on = current_business_date()
    accrue_through(loan=loan, on=on)
    items, arrears = restructuring_plan(loan=loan, periods=periods, period_days=period_days, on=on)
    loan.schedule_version += 1
    loan.restructured = True
    loan.penalties_stopped = True
    _write_schedule(loan, items, arrears=arrears)
    _reset_arrears(loan, actor=actor, on=on, reason=f"restructured into {periods} installments")
    _save(loan, actor=actor, reason="restructuring")
    bureau_outbox.record_event(
        kind=BureauEventKind.RESTRUCTURING,
        on=on,
        loan=loan,
        extra={"periods": periods, "period_days": period_days},
    )
    return loan


@transaction.atomic
def loan_write_off(*, loan: Loan, reason: str, actor: Actor = None) -> Loan:
    loan = _lock(loan)
    on = current_business_date()
    _transition(loan, "write_off", actor=actor, reason=reason, on=on)
    total = loan.debt_kop
    post_entry(
        key=f"write-off:{loan.pk}",
        kind="write_off",
        business_date=on,
        loan=loan,
        lines=[
            Line(Account.WRITE_OFF_EXPENSE, total),
            Line(Account.LOAN_PRINCIPAL, -loan.principal_out_kop, loan.pk),
            Line(Account.LOAN_INTEREST, -loan.interest_out_kop, loan.pk),
            Line(Account.LOAN_PENALTY, -loan.penalty_out_kop, loan.pk),
            Line(Account.LOAN_FEES, -loan.fees_out_kop, loan.pk),
        ],
    )
    loan.principal_out_kop = loan.interest_out_kop = loan.penalty_out_kop = loan.fees_out_kop = 0
    loan.interest_overdue_kop = loan.principal_overdue_kop = 0
    loan.next_due_date = None
    loan.closed_on = on
    _save(loan, actor=actor, reason=reason)
    return loan


@transaction.atomic
def loan_refund_overpayment(*, loan: Loan, actor: Actor = None) -> int:
    """Return an overpayment held for the borrower (to the card or account they name)."""
    loan = _lock(loan)
    amount = loan.overpayment_kop
    if amount <= 0:
        raise InvalidAmount("Nothing is held for this borrower on this loan")
    on = current_business_date()
    refunds = loan.journal_entries.filter(kind="refund").count()
    post_entry(
        key=f"refund:{loan.pk}:{refunds + 1}",
        kind="refund",
        business_date=on,
        loan=loan,
        lines=[Line(Account.BORROWER_OVERPAYMENT, amount, loan.pk), Line(Account.CASH, -amount)],
    )
    loan.overpayment_kop = 0
    _save(loan, actor=actor, reason="overpayment refunded")
    return amount
