"""Every write to a credit line (the virtual card): one typed, keyword-only function per action.

The cap on all charges is held per draw (`cards.terms`); interest accrues daily
(`cards.accrual`, and set-based in `cards.cob`).

A repayment pays the debt in the legal order (`cards.allocation`); principal repays the
oldest draws first (they are the ones closest to, or past, their cap).
"""

from datetime import date

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django_fsm import TransitionNotAllowed as FsmTransitionNotAllowed

from cards.accrual import accrue_through, credit_line_repayment_quote_kop
from cards.allocation import repayment_split
from cards.errors import (
    CreditLimitExceeded,
    CreditLineClosed,
    CreditLineExists,
    CreditLineFrozen,
    CreditLineOverdue,
)
from cards.models import (
    MAX_STATEMENT_DAY,
    UNSIGNED,
    CreditLine,
    CreditLineDraw,
    CreditLineLimitChange,
    CreditLineRepayment,
    CreditLineStatement,
    CreditLineStatus,
    CreditLineTransfer,
    CreditLineTransition,
    DrawKind,
    FreezeReason,
    StatementStatus,
)
from cards.terms import PSK_CATEGORY, cap_percent, check_terms, draw_charges_cap_kop
from kernel import dispatch
from kernel.errors import DomainError
from loans import bureau_outbox
from loans.business_date import current_business_date
from loans.credit_uid import new_credit_uid
from loans.errors import InvalidAmount, LimitExceeded, TransitionNotAllowed
from loans.high_psk import check_high_psk_rule
from loans.ledger import Line, post_entry
from loans.models import Account, Borrower, BureauEventKind, JournalEntry, JournalLine
from loans.models.products import PenaltyMode
from loans.money import MoneyError, require_positive_kop
from loans.payment_details import payout_destination_fields
from loans.regulation import limits_for_contract, penalty_rate

Actor = User | None
S = CreditLineStatus
# What the card's transitions tell the bureaus (opening and closing are reported by their
# services, with the state they leave the line in).
TRANSITION_EVENTS = {"freeze": BureauEventKind.FROZEN, "unfreeze": BureauEventKind.UNFROZEN}


def _positive_kop(amount_kop: int, *, what: str = "amount") -> int:
    try:
        return require_positive_kop(amount_kop, what=what)
    except MoneyError as exc:
        raise InvalidAmount(str(exc), field="amount_kop") from exc


def _lock(credit_line: CreditLine) -> CreditLine:
    return CreditLine.objects.select_for_update().get(pk=credit_line.pk)


def save_line(line: CreditLine) -> None:
    """Every write to a line moves its version (a draw's ledger key is taken from it)."""
    line.version += 1
    line.save()


def _transition(
    line: CreditLine, name: str, *, actor: Actor, refused: str, reason: str = "", on: date
) -> None:
    """The one door to the line's status: the FSM transition and its log row with the actor.
    `refused` is the refusal when the status does not allow it."""
    source = line.status
    try:
        getattr(line, name)()
    except FsmTransitionNotAllowed as exc:
        raise TransitionNotAllowed(refused) from exc
    _log(line, name, source=source, actor=actor, reason=reason, on=on)
    if name in TRANSITION_EVENTS:
        bureau_outbox.record_event(
            kind=TRANSITION_EVENTS[name], on=on, credit_line=line, extra={"reason": reason}
        )


def _log(line: CreditLine, name: str, *, source: str, actor: Actor, reason: str, on: date) -> None:
    CreditLineTransition.objects.create(
        credit_line=line,
        transition=name,
        source=source,
        target=line.status,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        reason=reason[:200],
        business_date=on,
    )


@transaction.atomic
def credit_line_open(
    *,
    borrower: Borrower,
    limit_kop: int,
    daily_rate_ppm: int,
    statement_day: int | None = None,
    actor: Actor = None,
) -> CreditLine:
    """Sign the card contract: the limits in force today are frozen on it, ПСК checked."""
    _positive_kop(limit_kop, what="limit")
    if isinstance(daily_rate_ppm, bool) or not isinstance(daily_rate_ppm, int):
        raise InvalidAmount("The daily rate must be a whole number of millionths")
    if daily_rate_ppm <= 0:
        raise InvalidAmount("The daily rate must be positive", field="daily_rate_ppm")
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    if borrower.self_ban_active:
        raise LimitExceeded("The borrower has an active self-ban on loans", code="self_ban")
    if CreditLine.objects.filter(borrower=borrower).exclude(status=S.CLOSED).exists():
        raise CreditLineExists("The borrower already has a credit line")
    on = current_business_date()
    day = statement_day if statement_day is not None else min(on.day, MAX_STATEMENT_DAY)
    if not 1 <= day <= MAX_STATEMENT_DAY:
        raise DomainError(
            f"The statement day is 1 to {MAX_STATEMENT_DAY}",
            code="invalid_statement_day",
            field="statement_day",
        )
    limits = limits_for_contract(signed_on=on, category=PSK_CATEGORY)
    psk = check_terms(limits=limits, limit_kop=limit_kop, daily_rate_ppm=daily_rate_ppm, on=on)
    check_high_psk_rule(borrower_id=borrower.pk, limits=limits, psk_percent=psk.percent, on=on)
    num, den = penalty_rate(limits=limits, mode=PenaltyMode.ANNUAL_WITH_INTEREST)
    line = CreditLine(
        status=UNSIGNED,
        borrower=borrower,
        credit_uid=new_credit_uid(),
        limit_kop=limit_kop,
        daily_rate_ppm=daily_rate_ppm,
        opened_on=on,
        statement_day=day,
        charges_cap_percent=cap_percent(limits),
        psk_percent=psk.percent,
        psk_kop=psk.amount_kop,
        regulation=limits.row,
        limits_snapshot=limits.snapshot(),
        accrued_through=on,
        # Interest goes on accruing on the card's arrears, so the penalty is the annual one.
        penalty_rate_num=num,
        penalty_rate_den=den,
        period_from=on,
    )
    line.open()
    line.save()
    _log(line, "open", source=UNSIGNED, actor=actor, reason="", on=on)
    bureau_outbox.record_event(kind=BureauEventKind.SIGNED, on=on, credit_line=line)
    return line


@transaction.atomic
def credit_line_change_limit(
    *, credit_line: CreditLine, new_limit_kop: int, reason: str, actor: Actor = None
) -> CreditLineLimitChange:
    """Raise or lower the limit. A limit below the drawn balance is allowed: it only stops new
    draws until repayments bring the balance under it. A raise is held to the ПСК cap of the
    limits the contract was signed under."""
    _positive_kop(new_limit_kop, what="limit")
    if not reason.strip():
        raise DomainError("Say why the limit changes", code="reason_required", field="reason")
    line = _lock(credit_line)
    if line.status == S.CLOSED:
        raise CreditLineClosed("The credit line is closed")
    on = current_business_date()
    if new_limit_kop > line.limit_kop:
        limits = limits_for_contract(signed_on=line.opened_on, category=PSK_CATEGORY)
        psk = check_terms(
            limits=limits, limit_kop=new_limit_kop, daily_rate_ppm=line.daily_rate_ppm, on=on
        )
        line.psk_percent, line.psk_kop = psk.percent, psk.amount_kop
    change = CreditLineLimitChange.objects.create(
        credit_line=line,
        old_limit_kop=line.limit_kop,
        new_limit_kop=new_limit_kop,
        reason=reason.strip()[:200],
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        business_date=on,
    )
    line.limit_kop = new_limit_kop
    save_line(line)
    bureau_outbox.record_event(
        kind=BureauEventKind.LIMIT_CHANGED,
        on=on,
        credit_line=line,
        extra={"old_limit_kop": change.old_limit_kop, "new_limit_kop": new_limit_kop},
    )
    return change


@transaction.atomic
def credit_line_freeze(*, credit_line: CreditLine, actor: Actor = None) -> CreditLine:
    """Staff stop new draws; interest and repayments go on."""
    line = _lock(credit_line)
    _transition(
        line,
        "freeze",
        actor=actor,
        refused=f"Only an open line can be frozen (it is {line.status})",
        # The log keeps English whoever froze it; the pages word it (loans.wordings).
        reason="Frozen by staff",
        on=current_business_date(),
    )
    line.freeze_reason = FreezeReason.STAFF
    save_line(line)
    return line


@transaction.atomic
def credit_line_unfreeze(*, credit_line: CreditLine, actor: Actor = None) -> CreditLine:
    """Lift a freeze; refused while a minimum payment is past due."""
    line = _lock(credit_line)
    refused = f"Only a frozen line can be unfrozen (it is {line.status})"
    if line.status == S.FROZEN and line.overdue_kop > 0:
        raise CreditLineOverdue("A minimum payment is past due")
    _transition(line, "unfreeze", actor=actor, refused=refused, on=current_business_date())
    line.freeze_reason = FreezeReason.NONE
    save_line(line)
    return line


@transaction.atomic
def credit_line_close(*, credit_line: CreditLine, actor: Actor = None) -> CreditLine:
    """Close a line that owes nothing (today's interest included)."""
    line = _lock(credit_line)
    if line.status == S.CLOSED:
        return line
    on = current_business_date()
    accrue_through(credit_line=line, on=on)
    if line.debt_kop:
        raise TransitionNotAllowed(f"The line still owes {line.debt_kop} kop")
    _transition(line, "close", actor=actor, refused="The credit line is closed", on=on)
    line.freeze_reason, line.closed_on = FreezeReason.NONE, on
    save_line(line)
    bureau_outbox.record_event(kind=BureauEventKind.CLOSED, on=on, credit_line=line)
    return line


def credit_line_refund_owed_kop(*, credit_line: CreditLine) -> int:
    """What the lender owes the borrower back on this card (card_refund_due)."""
    owed = JournalLine.objects.filter(
        credit_line_id=credit_line.pk, account=Account.CARD_REFUND_DUE
    ).aggregate(s=Sum("amount_kop"))["s"]
    return -(owed or 0)


@transaction.atomic
def credit_line_refund(*, credit_line: CreditLine, actor: Actor = None) -> int:
    """Return to the borrower what the card owes them back (money paid above the debt, or
    repaid on a transfer that failed); returns the amount."""
    line = _lock(credit_line)
    amount = credit_line_refund_owed_kop(credit_line=line)
    if amount <= 0:
        raise InvalidAmount("Nothing is owed back to the borrower on this card")
    refunds = JournalEntry.objects.filter(credit_line_id=line.pk, kind="card_refund").count()
    post_entry(
        key=f"card-refund:{line.pk}:{refunds + 1}",
        kind="card_refund",
        business_date=current_business_date(),
        credit_line_id=line.pk,
        memo=f"by {actor.get_username()}" if actor else "",
        lines=[
            Line(Account.CARD_REFUND_DUE, amount, credit_line_id=line.pk),
            Line(Account.CASH, -amount),
        ],
    )
    return amount


# --- draws ---------------------------------------------------------------------------------


def _check_drawable(line: CreditLine, amount_kop: int) -> None:
    if line.status == S.CLOSED:
        raise CreditLineClosed("The credit line is closed")
    if line.overdue_kop > 0:
        raise CreditLineOverdue(
            f"A minimum payment of {line.overdue_kop} kop is past due; pay it to draw again"
        )
    if line.status == S.FROZEN:
        raise CreditLineFrozen("The credit line is frozen: no new draws")
    if amount_kop > line.available_kop:
        raise CreditLimitExceeded(
            f"The draw of {amount_kop} kop is above the {line.available_kop} kop available",
            field="amount_kop",
        )


@transaction.atomic
def credit_line_draw(
    *,
    credit_line: CreditLine,
    kind: str,
    amount_kop: int,
    idempotency_key: str,
    merchant: str = "",
    description: str = "",
    payout_reference: str = "",
    payout_method: str = "",
    payout_destination: dict | None = None,
) -> CreditLineDraw:
    """Use the limit: a card purchase (to settle with the card scheme) or a transfer to the
    borrower's own account (`payout_destination` in the shape `loan_disburse` takes), paid out
    through the gateway after commit (`cards.transfers`). The same key twice returns the
    first draw; refused above the available limit, or while the line is frozen, closed or in
    arrears: nothing changes."""
    _positive_kop(amount_kop)
    if not idempotency_key or len(idempotency_key) > 120:
        raise DomainError("A draw needs an idempotency key of 1–120 characters")
    if kind == DrawKind.PURCHASE:
        if not merchant.strip():
            raise DomainError("A purchase names its merchant", code="invalid", field="merchant")
        counter_account = Account.CARD_SETTLEMENT
    elif kind == DrawKind.TRANSFER:
        if not payout_reference.strip():
            raise DomainError(
                "A transfer names the account it goes to", code="invalid", field="payout_reference"
            )
        counter_account = Account.PAYOUTS_IN_TRANSIT
    else:
        raise DomainError(f"Unknown draw kind '{kind}'", code="invalid", field="kind")
    line = _lock(credit_line)
    existing = CreditLineDraw.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if (existing.credit_line_id, existing.kind, existing.amount_kop) != (
            line.pk,
            kind,
            amount_kop,
        ):
            raise DomainError(
                "This idempotency key was used for another draw", code="event_conflict"
            )
        return existing
    _check_drawable(line, amount_kop)
    on = current_business_date()
    order = None
    if kind == DrawKind.TRANSFER:
        order = CreditLineTransfer(
            method=payout_method,
            **payout_destination_fields(
                method=payout_method, destination=payout_destination or {}, today=on
            ),
        )
    entry = post_entry(
        key=f"card-draw:{line.pk}:{line.version}",
        kind="card_draw",
        business_date=on,
        credit_line_id=line.pk,
        lines=[
            Line(Account.CARD_PRINCIPAL, amount_kop, credit_line_id=line.pk),
            Line(counter_account, -amount_kop),
        ],
    )
    draw = CreditLineDraw.objects.create(
        credit_line=line,
        kind=kind,
        amount_kop=amount_kop,
        merchant=merchant.strip()[:120],
        description=description.strip()[:200],
        payout_reference=payout_reference.strip()[:64],
        business_date=on,
        idempotency_key=idempotency_key,
        entry=entry,
        principal_out_kop=amount_kop,
        charges_cap_kop=draw_charges_cap_kop(
            amount_kop=amount_kop, charges_cap_percent=line.charges_cap_percent
        ),
    )
    line.principal_out_kop += amount_kop
    save_line(line)
    bureau_outbox.record_event(
        kind=BureauEventKind.ISSUED,
        on=on,
        credit_line=line,
        extra={"draw_kop": amount_kop, "draw_kind": kind},
    )
    if order is not None:
        order.draw = draw
        order.save()
        dispatch.on_commit(
            "cards.tasks.send_card_transfer", order.pk, task_name=f"card-transfer-{order.pk}"
        )
    return draw


# --- repayment -----------------------------------------------------------------------------


@transaction.atomic
def credit_line_repay(
    *, credit_line: CreditLine, amount_kop: int, provider: str, event_id: str, actor: Actor = None
) -> CreditLineRepayment:
    """Apply a repayment: today's charges accrue first, then it pays overdue interest, overdue
    principal, penalty, current interest and current principal (oldest draw first). The same
    provider event twice changes nothing; more than the debt is refused. Paying the arrears
    lifts a freeze made for a missed payment."""
    _positive_kop(amount_kop)
    line = _lock(credit_line)
    existing = CreditLineRepayment.objects.filter(provider=provider, event_id=event_id).first()
    if existing is not None:
        if existing.credit_line_id != line.pk or existing.amount_kop != amount_kop:
            raise DomainError(
                "This provider event was already recorded with another line or amount",
                code="event_conflict",
            )
        return existing
    if line.status == S.CLOSED:
        raise CreditLineClosed("The credit line is closed")
    on = current_business_date()
    accrue_through(credit_line=line, on=on)
    if amount_kop > line.debt_kop:
        raise InvalidAmount(
            f"The full repayment today is {line.debt_kop} kop",
            code="amount_above_debt",
            field="amount_kop",
        )
    split = repayment_split(line=line, amount_kop=amount_kop)
    interest, principal, penalty = split.interest_kop, split.principal_kop, split.penalty_kop
    entry = post_entry(
        key=f"card-payment:{provider}:{event_id}"[:120],
        kind="card_repayment",
        business_date=on,
        credit_line_id=line.pk,
        lines=[
            Line(Account.CASH, amount_kop),
            Line(Account.CARD_INTEREST, -interest, credit_line_id=line.pk),
            Line(Account.CARD_PENALTY, -penalty, credit_line_id=line.pk),
            Line(Account.CARD_PRINCIPAL, -principal, credit_line_id=line.pk),
        ],
    )
    left = principal
    if left:
        draws = CreditLineDraw.objects.select_for_update().filter(
            credit_line=line, principal_out_kop__gt=0
        )
        for draw in draws.order_by("business_date", "pk"):
            take = min(left, draw.principal_out_kop)
            draw.principal_out_kop -= take
            draw.save(update_fields=["principal_out_kop"])
            left -= take
            if not left:
                break
    payment = CreditLineRepayment.objects.create(
        credit_line=line,
        provider=provider,
        event_id=event_id,
        amount_kop=amount_kop,
        interest_kop=interest,
        principal_kop=principal,
        penalty_kop=penalty,
        business_date=on,
        entry=entry,
    )
    line.interest_out_kop -= interest
    line.penalty_out_kop -= penalty
    line.principal_out_kop -= principal
    line.overdue_kop = max(0, line.overdue_kop - amount_kop)
    if line.overdue_kop == 0:
        line.overdue_since, line.days_past_due = None, 0
    CreditLineStatement.objects.filter(credit_line=line, status=StatementStatus.DUE).update(
        paid_kop=F("paid_kop") + amount_kop
    )
    CreditLineStatement.objects.filter(
        credit_line=line, status=StatementStatus.DUE, paid_kop__gte=F("minimum_payment_kop")
    ).update(status=StatementStatus.PAID)
    bureau_outbox.record_event(
        kind=BureauEventKind.PAYMENT, on=on, credit_line=line, extra={"payment_kop": amount_kop}
    )
    if (
        line.status == S.FROZEN
        and line.freeze_reason == FreezeReason.MISSED_PAYMENT
        and line.overdue_kop == 0
    ):
        _transition(
            line,
            "unfreeze",
            actor=actor,
            refused="The line is not frozen",
            reason="The arrears were paid",
            on=on,
        )
        line.freeze_reason = FreezeReason.NONE
    save_line(line)
    return payment


@transaction.atomic
def credit_line_payment_received(
    *, credit_line: CreditLine, amount_kop: int, provider: str, event_id: str
) -> CreditLineRepayment | None:
    """Money the provider collected for the card: it repays the debt of today, and what is
    above it (a payment made twice, or arriving after the card was closed) is owed back to the
    borrower (card_refund_due), never refused: the money is already with us. Once per event."""
    _positive_kop(amount_kop)
    line = _lock(credit_line)
    excess_key = f"card-excess:{provider}:{event_id}"[:120]
    earlier = CreditLineRepayment.objects.filter(provider=provider, event_id=event_id).first()
    if earlier is not None or JournalEntry.objects.filter(key=excess_key).exists():
        return earlier
    on = current_business_date()
    repaid = min(amount_kop, credit_line_repayment_quote_kop(credit_line=line, on=on))
    payment = None
    if repaid:
        payment = credit_line_repay(
            credit_line=line, amount_kop=repaid, provider=provider, event_id=event_id
        )
    if excess := amount_kop - repaid:
        post_entry(
            key=excess_key,
            kind="card_refund_due",
            business_date=on,
            credit_line_id=line.pk,
            lines=[
                Line(Account.CASH, excess),
                Line(Account.CARD_REFUND_DUE, -excess, credit_line_id=line.pk),
            ],
        )
    return payment
