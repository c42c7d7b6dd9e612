"""The one door every loan service goes through: the row lock, the FSM transition with its
log row and bureau event, and the save that keeps the history's actor and reason."""

from datetime import date

from django.contrib.auth.models import User
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed

from loans import bureau_outbox
from loans.business_date import current_business_date
from loans.errors import InvalidAmount, TransitionNotAllowed
from loans.models import Loan, LoanStatus, TransitionLog
from loans.money import MoneyError, require_positive_kop

Actor = User | None
S = LoanStatus
# django-simple-history keeps a change reason in 100 characters; the full text is in TransitionLog.
HISTORY_REASON_MAX = 100


def _lock(loan: Loan, *related: str) -> Loan:
    """The loan read again under a row lock, with its product (and `related`) in the same read;
    only the loan's row is locked."""
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("product", *related)
        .get(pk=loan.pk)
    )


def _transition(
    loan: Loan, name: str, *, actor: Actor, reason: str = "", on: date | None = None
) -> None:
    source = loan.status
    try:
        getattr(loan, name)()
    except FsmTransitionNotAllowed as exc:
        raise TransitionNotAllowed(
            f"Transition '{name}' is not allowed from status '{source}'",
            code="transition_not_allowed",
        ) from exc
    # django-simple-history reads these two on the next save (attributes it does not declare).
    loan._history_user = actor  # type: ignore[attr-defined]
    loan._change_reason = (reason or name)[:HISTORY_REASON_MAX]  # type: ignore[attr-defined]
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
    loan._history_user = actor  # type: ignore[attr-defined]
    # Without a reason of its own the history row keeps the transition's.
    reason = reason or getattr(loan, "_change_reason", "")
    loan._change_reason = reason[:HISTORY_REASON_MAX]  # type: ignore[attr-defined]
    loan.save()


def _positive_kop(amount_kop: int, *, what: str = "amount") -> int:
    try:
        return require_positive_kop(amount_kop, what=what)
    except MoneyError as exc:
        raise InvalidAmount(str(exc), field="amount_kop") from exc


def _require_live(loan: Loan, action: str) -> None:
    if loan.status not in (S.SERVICED, S.OVERDUE):
        raise TransitionNotAllowed(
            # The code, not the label: the label follows whatever language is active.
            f"Cannot {action}: the loan is {loan.status.replace('_', ' ')}"
        )
