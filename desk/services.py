"""Servicing by staff outside the admin, with four eyes where money leaves or is vouched for.

Every action calls the loan core's own service (the one the API and the admin call), so there
is one path for money. A write-off, a refund, and a payment (or a prolongation's payment) above
the threshold of `ServicingPolicy` are proposed by one person and done only when another with
a checker's role approves; approving runs the loan core's checks against the loan as it is
then, so a loan changed since the proposal is refused with the reason and nothing changes.
The ServicingAction rows are the record of who did, proposed and decided what, and when.
"""

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.models import (
    ONE_PENDING_PER_LOAN,
    ActionKind,
    ActionStatus,
    ServicingAction,
    ServicingPolicy,
)
from kernel.errors import DomainError
from kernel.roles import ADMINISTRATOR, COLLECTOR, RISK_MANAGER, has_role
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.models import IncomingPayment, Loan, LoanStatus
from loans.money import format_rub

log = logging.getLogger("zaymer.servicing")

# The provider a bank transfer posted by staff is booked under; the bank's reference is its
# event id, so the loan core books one transfer once.
BANK_TRANSFER = "bank_transfer"
MAKERS = (COLLECTOR, RISK_MANAGER, ADMINISTRATOR)
CHECKERS = (RISK_MANAGER, ADMINISTRATOR)
REFERENCE = re.compile(r"^[0-9A-Za-zА-Яа-яЁё][0-9A-Za-zА-Яа-яЁё/_.:-]{0,63}$")
# How far back a transfer's date may lie: older money is a matter for reconciliation.
OLDEST_TRANSFER_DAYS = 365


class ServicingRefused(DomainError):
    code = "servicing_refused"


def needs_second_person(*, kind: str, amount_kop: int | None) -> bool:
    if kind in ONE_PENDING_PER_LOAN:
        return True
    if kind in (ActionKind.PAYMENT, ActionKind.PROLONGATION) and amount_kop is not None:
        return amount_kop > ServicingPolicy.current().payment_four_eyes_above_kop
    return False


def _refusal(refusal: DomainError, loan: Loan) -> ServicingRefused:
    """The loan core's refusal in the words of the staff pages (its own texts are English)."""
    texts = {
        "transition_not_allowed": _("The loan's status does not allow this now: it is %(status)s.")
        % {"status": loan.get_status_display().lower()},
        "prolongation_not_allowed": _("Only payday loans can be prolonged."),
        "nothing_to_prolong": _("Nothing is left to prolong: the principal is repaid."),
        "invalid_prolongation_days": _("A prolongation moves the due date by %(min)s–%(max)s days.")
        % {"min": loan_services.PROLONGATION_MIN_DAYS, "max": loan_services.PROLONGATION_MAX_DAYS},
        "prolongation_limit": _("The product's prolongations are used up."),
        "cap_exceeded": _("This would bring the charges above the legal cap on all charges."),
        "invalid_restructuring": _(
            "This plan's number of payments or their interval is not allowed."
        ),
        "event_conflict": _("This bank reference is already booked with another loan or amount."),
        "invalid_amount": _("The amount is not right for this action."),
    }
    return ServicingRefused(texts.get(refusal.code, refusal.message), code=refusal.code)


T = TypeVar("T")


def _on_loan(loan: Loan, call: Callable[[], T]) -> T:
    try:
        return call()
    except ServicingRefused:
        raise
    except DomainError as refusal:
        raise _refusal(refusal, loan) from refusal


def _require(actor: User, roles: tuple[str, ...]) -> None:
    if not has_role(actor, *roles):
        raise ServicingRefused(_("Your role does not allow this action."), code="role")


def _clean_reference(reference: str) -> str:
    reference = reference.strip()
    if not REFERENCE.match(reference):
        raise ServicingRefused(
            _("The bank reference is 1 to 64 letters, digits and the signs / _ . : -"),
            code="invalid_reference",
            field="bank_reference",
        )
    return reference


def _check_received_on(received_on: dt.date) -> None:
    # A simulated book may run its business date ahead of the calendar, or behind it.
    business_date = current_business_date()
    if received_on > max(timezone.localdate(), business_date):
        raise ServicingRefused(
            _("The date the money was received is in the future."), code="future_date"
        )
    if received_on < business_date - dt.timedelta(days=OLDEST_TRANSFER_DAYS):
        raise ServicingRefused(
            _("The money was received more than a year ago: reconcile it with accounting."),
            code="old_date",
        )


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise ServicingRefused(_("Say why."), code="no_reason", field="reason")
    return reason


def _positive(amount_kop: int) -> int:
    if isinstance(amount_kop, bool) or not isinstance(amount_kop, int) or amount_kop <= 0:
        raise ServicingRefused(
            _("The amount must be positive."), code="invalid_amount", field="amount"
        )
    return amount_kop


def _execute(action: ServicingAction, *, actor: User) -> None:
    """Do the action through the loan core's service, as `actor`. A field the kind needs and
    lacks is 0 here, which the loan core refuses."""
    loan = action.loan
    amount, days = action.amount_kop or 0, action.days or 0
    if action.kind == ActionKind.PAYMENT:
        action.payment = _on_loan(
            loan,
            lambda: loan_services.loan_payment_received(
                loan=loan,
                amount_kop=amount,
                provider=BANK_TRANSFER,
                event_id=action.bank_reference,
                actor=actor,
            ),
        )
    elif action.kind == ActionKind.PROLONGATION:
        _on_loan(
            loan,
            lambda: loan_services.loan_prolong(
                loan=loan,
                days=days,
                provider=BANK_TRANSFER,
                event_id=action.bank_reference,
                amount_kop=amount,
                actor=actor,
            ),
        )
        action.payment = IncomingPayment.objects.get(
            provider=BANK_TRANSFER, event_id=action.bank_reference
        )
    elif action.kind == ActionKind.RESTRUCTURING:
        periods, period_days = action.periods or 0, action.period_days or 0
        _on_loan(
            loan,
            lambda: loan_services.loan_restructure(
                loan=loan, periods=periods, period_days=period_days, actor=actor
            ),
        )
    elif action.kind == ActionKind.REFUND:
        _require_held(loan, amount)
        _on_loan(loan, lambda: loan_services.loan_refund_overpayment(loan=loan, actor=actor))
    elif action.kind == ActionKind.WRITE_OFF:
        _on_loan(
            loan,
            lambda: loan_services.loan_write_off(loan=loan, reason=action.reason, actor=actor),
        )


def _require_held(loan: Loan, proposed_kop: int) -> None:
    """A refund returns what is held now: approved only while that is what was proposed."""
    held = Loan.objects.select_for_update().values_list("overpayment_kop", flat=True)
    now_held = held.get(pk=loan.pk)
    if now_held != proposed_kop:
        raise ServicingRefused(
            _(
                "The amount held for the borrower has changed since the proposal "
                "(now %(amount)s): propose the refund again."
            )
            % {"amount": format_rub(now_held)},
            code="changed_since_proposal",
        )


def _record(action: ServicingAction, *, actor: User) -> ServicingAction:
    """Save a new action; done at once unless it needs a second person."""
    action.proposed_by = actor
    action.proposed_at = timezone.now()
    action.four_eyes = needs_second_person(kind=action.kind, amount_kop=action.amount_kop)
    action.status = ActionStatus.PENDING if action.four_eyes else ActionStatus.DONE
    if not action.four_eyes:
        action.decided_at = action.proposed_at
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError as clash:
        raise ServicingRefused(
            _("The same action on this loan is already awaiting approval."), code="pending"
        ) from clash
    if not action.four_eyes:
        _execute(action, actor=actor)
        action.save(update_fields=["payment"])
    _log("made" if not action.four_eyes else "proposed", action, actor)
    return action


def _log(what: str, action: ServicingAction, actor: User) -> None:
    fields = {"action_id": action.pk, "kind": action.kind, "loan_id": action.loan_id}
    transaction.on_commit(
        lambda: log.info(f"servicing {what}", extra={"fields": {**fields, "user_id": actor.pk}})
    )


def _existing_transfer(
    *, loan: Loan, reference: str, amount_kop: int, kind: str
) -> ServicingAction | None:
    """The action that already posted (or proposed) this transfer: a repeat of the same
    transfer is answered with it; the reference on another loan or amount is refused."""
    existing = (
        ServicingAction.objects.filter(bank_reference=reference)
        .exclude(status=ActionStatus.REJECTED)
        .first()
    )
    if existing is None:
        booked = IncomingPayment.objects.filter(provider=BANK_TRANSFER, event_id=reference)
        if booked.exists():
            raise ServicingRefused(
                _("This bank reference is already booked."), code="reference_used"
            )
        return None
    if (existing.loan_id, existing.amount_kop, existing.kind) != (loan.pk, amount_kop, kind):
        raise ServicingRefused(
            _("This bank reference is already used for another loan, amount or action."),
            code="reference_used",
            field="bank_reference",
        )
    return existing


def _transfer(
    *,
    loan: Loan,
    amount_kop: int,
    received_on: dt.date,
    bank_reference: str,
    kind: str,
    actor: User,
) -> tuple[str, ServicingAction | None]:
    """The checks of a bank transfer keyed in by staff: its cleaned reference, and the action
    that already took it, if any."""
    _require(actor, MAKERS)
    _positive(amount_kop)
    reference = _clean_reference(bank_reference)
    _check_received_on(received_on)
    existing = _existing_transfer(loan=loan, reference=reference, amount_kop=amount_kop, kind=kind)
    return reference, existing


@transaction.atomic
def servicing_post_payment(
    *,
    loan: Loan,
    amount_kop: int,
    received_on: dt.date,
    bank_reference: str,
    reason: str = "",
    actor: User,
) -> ServicingAction:
    """A transfer the bank received for the loan: booked at once up to the threshold, else
    proposed. The same reference again, with the same loan and amount, changes nothing."""
    reference, existing = _transfer(
        loan=loan,
        amount_kop=amount_kop,
        received_on=received_on,
        bank_reference=bank_reference,
        kind=ActionKind.PAYMENT,
        actor=actor,
    )
    if existing is not None:
        return existing
    text = " ".join(reason.split()) or _("bank transfer")
    action = ServicingAction(
        loan=loan,
        kind=ActionKind.PAYMENT,
        amount_kop=amount_kop,
        bank_reference=reference,
        received_on=received_on,
        reason=text,
    )
    return _record(action, actor=actor)


@transaction.atomic
def servicing_prolong(
    *,
    loan: Loan,
    days: int,
    amount_kop: int,
    received_on: dt.date,
    bank_reference: str,
    reason: str,
    actor: User,
) -> ServicingAction:
    """The borrower asked by phone and paid the prolongation's price by bank transfer."""
    reference, existing = _transfer(
        loan=loan,
        amount_kop=amount_kop,
        received_on=received_on,
        bank_reference=bank_reference,
        kind=ActionKind.PROLONGATION,
        actor=actor,
    )
    text = _reason(reason)
    if existing is not None:
        return existing
    loan = Loan.objects.select_related("product").get(pk=loan.pk)
    quote = _on_loan(loan, lambda: loan_services.prolongation_quote(loan=loan, days=days))
    price = quote["pay_kop"]
    if amount_kop != price:
        raise ServicingRefused(
            _("A prolongation by %(days)s days costs exactly %(amount)s today.")
            % {"days": days, "amount": format_rub(price)},
            code="prolongation_price",
            field="amount",
        )
    action = ServicingAction(
        loan=loan,
        kind=ActionKind.PROLONGATION,
        amount_kop=amount_kop,
        bank_reference=reference,
        received_on=received_on,
        days=days,
        reason=text,
    )
    return _record(action, actor=actor)


@transaction.atomic
def servicing_restructure(
    *, loan: Loan, periods: int, period_days: int, reason: str, actor: User
) -> ServicingAction:
    """The borrower asked by phone for an installment plan on an overdue loan."""
    _require(actor, MAKERS)
    action = ServicingAction(
        loan=loan,
        kind=ActionKind.RESTRUCTURING,
        periods=periods,
        period_days=period_days,
        reason=_reason(reason),
    )
    return _record(action, actor=actor)


@transaction.atomic
def servicing_propose_refund(*, loan: Loan, reason: str, actor: User) -> ServicingAction:
    """Propose returning what is held for the borrower; another person approves."""
    _require(actor, MAKERS)
    text = _reason(reason)
    loan = Loan.objects.get(pk=loan.pk)
    if loan.overpayment_kop <= 0:
        raise ServicingRefused(
            _("Nothing is held for the borrower on this loan."), code="nothing_held"
        )
    action = ServicingAction(
        loan=loan, kind=ActionKind.REFUND, amount_kop=loan.overpayment_kop, reason=text
    )
    return _record(action, actor=actor)


@transaction.atomic
def servicing_propose_write_off(*, loan: Loan, reason: str, actor: User) -> ServicingAction:
    """Propose writing off an overdue loan's debt; another person approves."""
    _require(actor, MAKERS)
    text = _reason(reason)
    loan = Loan.objects.get(pk=loan.pk)
    if loan.status != LoanStatus.OVERDUE:
        raise ServicingRefused(_("Only an overdue loan can be written off."), code="not_overdue")
    action = ServicingAction(
        loan=loan, kind=ActionKind.WRITE_OFF, amount_kop=loan.debt_kop, reason=text
    )
    return _record(action, actor=actor)


def _decidable(action: ServicingAction, *, actor: User) -> ServicingAction:
    _require(actor, CHECKERS)
    action = (
        ServicingAction.objects.select_for_update(of=("self",))
        .select_related("loan")
        .get(pk=action.pk)
    )
    if action.status != ActionStatus.PENDING:
        raise ServicingRefused(
            _("This proposal is already decided: %(status)s.")
            % {"status": action.get_status_display()},
            code="decided",
        )
    if action.proposed_by_id == actor.pk:
        raise ServicingRefused(
            _("You proposed this: another person must approve or reject it."), code="four_eyes"
        )
    return action


def _decided(action: ServicingAction, *, status: str, actor: User, comment: str) -> None:
    action.status = status
    action.decided_by = actor
    action.decided_at = timezone.now()
    action.comment = comment
    action.save(update_fields=["status", "decided_by", "decided_at", "comment", "payment"])
    _log(status, action, actor)


@transaction.atomic
def servicing_approve(
    *, action: ServicingAction, actor: User, comment: str = ""
) -> ServicingAction:
    """A second person approves: the action is done now, checked against the loan as it is."""
    action = _decidable(action, actor=actor)
    _execute(action, actor=actor)
    _decided(action, status=ActionStatus.DONE, actor=actor, comment=" ".join(comment.split()))
    return action


@transaction.atomic
def servicing_reject(*, action: ServicingAction, actor: User, comment: str) -> ServicingAction:
    """A second person rejects, saying why; nothing is done to the loan."""
    action = _decidable(action, actor=actor)
    comment = " ".join(comment.split())
    if not comment:
        raise ServicingRefused(_("Say why the proposal is rejected."), code="no_comment")
    _decided(action, status=ActionStatus.REJECTED, actor=actor, comment=comment)
    return action
