"""Every write of collection: one typed, keyword-only function per action.

A contact the rules forbid is refused with the reason and the next allowed moment, and only
its audit row (`RefusedContact`) is written: that row commits on its own before the refusal
is raised, so callers must not wrap these calls in a transaction of their own.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import CreditLine, DrawKind, TransferStatus
from collection.debts import case_debt, debt_of
from collection.errors import CaseRefused, ContactRefused
from collection.models import (
    OPEN_CASE,
    BanKind,
    Bucket,
    CaseStage,
    Channel,
    CollectionCase,
    ContactAttempt,
    ContactBan,
    NextAction,
    Outcome,
    PromiseStatus,
    PromiseToPay,
    RefusedContact,
    Strategy,
    ThirdPartyConsent,
)
from collection.models.contacts import AFTER_FOUR_MONTHS
from collection.policy import Verdict, contact_allowed, rule_on
from collection.prediction import choose_strategy
from kernel.roles import ADMINISTRATOR, COLLECTOR, has_role
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.messaging import message_enqueue
from loans.models import Borrower, Loan, LoanStatus, PayoutStatus, RestructuringRequest
from loans.models.restructuring import OPEN_RESTRUCTURING, RestructuringStatus
from loans.money import format_rub

LEGAL_AFTER_DPD = 90
# What a case asks of its collector first, by its strategy (a promise to check comes first).
FIRST_ACTION = {
    Strategy.REMIND: NextAction.MESSAGE,
    Strategy.NEGOTIATE: NextAction.CALL,
    Strategy.RESTRUCTURE: NextAction.OFFER_RESTRUCTURING,
    Strategy.LEGAL: NextAction.HAND_OVER,
}
MESSAGE_KIND_PREFIX = "collection_"


def _label(actor) -> str:
    return actor.get_username() if actor else "system"


def is_team_lead(user) -> bool:
    return bool(user) and (
        user.has_perm("collection.lead_collection") or has_role(user, ADMINISTRATOR)
    )


def _require_handler(case: CollectionCase, actor) -> None:
    """The assigned collector, a team lead, or the system (actor None) may act on a case."""
    if actor is None or is_team_lead(actor) or case.collector_id == actor.pk:
        return
    raise CaseRefused(_("This case is assigned to another collector"), code="not_your_case")


def _require_open(case: CollectionCase) -> None:
    if not case.is_open:
        raise CaseRefused(_("The case is closed"), code="case_closed")


def _require_restructurable(case: CollectionCase) -> None:
    if case.loan_id is None:
        raise CaseRefused(
            _("A card's debt cannot be restructured: offer a promise to pay instead"),
            code="not_restructurable",
        )


def bucket_for(days_past_due: int) -> str:
    if days_past_due <= 30:
        return Bucket.B1_30
    if days_past_due <= 60:
        return Bucket.B31_60
    if days_past_due <= LEGAL_AFTER_DPD:
        return Bucket.B61_90
    return Bucket.B90_PLUS


# --- cases and assignment -----------------------------------------------------------------


def collectors():
    return get_user_model().objects.filter(groups__name=COLLECTOR, is_active=True)


def open_case_loads() -> dict[int, int]:
    """Open cases per active collector (zero included), read once per batch of new cases."""
    open_stages = (CaseStage.SOFT, CaseStage.HARD, CaseStage.LEGAL)
    rows = collectors().annotate(
        load=Count("collection_cases", filter=Q(collection_cases__stage__in=open_stages))
    )
    return dict(rows.values_list("pk", "load"))


def _pick_collector(borrower_id: int, loads: dict[int, int]) -> int | None:
    """The debtor's collector if another case of theirs is open (sticky), else the least
    loaded one (lowest id on a tie); `loads` is updated for the next pick."""
    same_debtor = (
        CollectionCase.objects.filter(OPEN_CASE, borrower_id=borrower_id)
        .exclude(collector=None)
        .values_list("collector_id", flat=True)
        .first()
    )
    chosen = same_debtor if same_debtor in loads else None
    if chosen is None and loads:
        chosen = min(loads, key=lambda pk: (loads[pk], pk))
    if chosen is not None:
        loads[chosen] += 1
    return chosen


def _of(debt: Loan | CreditLine) -> dict[str, Loan | CreditLine]:
    return {"loan": debt} if isinstance(debt, Loan) else {"credit_line": debt}


@transaction.atomic
def case_open(
    *, debt: Loan | CreditLine, on: date, loads: dict[int, int] | None = None
) -> CollectionCase:
    """The open case of an overdue debt, a loan or a card; opening it again returns the same
    case."""
    existing = CollectionCase.objects.filter(OPEN_CASE, **_of(debt)).first()
    if existing is not None:
        return existing
    facts = debt_of(**_of(debt))
    if not facts.is_overdue:
        raise CaseRefused(_("Only an overdue debt gets a collection case"), code="not_overdue")
    choice = choose_strategy(facts)
    collector_id = _pick_collector(facts.borrower_id, open_case_loads() if loads is None else loads)
    return CollectionCase.objects.create(
        **_of(debt),
        borrower_id=facts.borrower_id,
        opened_on=on,
        bucket=bucket_for(facts.days_past_due),
        stage=CaseStage.HARD if facts.days_past_due > 30 else CaseStage.SOFT,
        **facts.case_figures(),
        collector_id=collector_id,
        assigned_at=timezone.now() if collector_id else None,
        next_action=FIRST_ACTION[choice.strategy],
        next_action_on=on + timedelta(days=1),
        strategy=choice.strategy,
        recovery_probability=choice.recovery_probability,
        priority_kop=choice.priority_kop,
        strategy_reason=choice.reason,
    )


@transaction.atomic
def case_restrategize(*, case: CollectionCase) -> CollectionCase:
    """Choose the strategy again from the debt as it is now (a case entering a new bucket)."""
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    choice = choose_strategy(case_debt(case))
    fields = ["strategy", "recovery_probability", "priority_kop", "strategy_reason"]
    if choice.strategy != case.strategy and case.next_action != NextAction.CHECK_PROMISE:
        case.next_action = FIRST_ACTION[choice.strategy]
        fields.append("next_action")
    case.strategy = choice.strategy
    case.recovery_probability = choice.recovery_probability
    case.priority_kop = choice.priority_kop
    case.strategy_reason = choice.reason
    case._change_reason = "strategy re-chosen"
    case.save(update_fields=fields)
    return case


@transaction.atomic
def case_reassign(*, case: CollectionCase, collector, actor, reason: str) -> CollectionCase:
    """A team lead hands a case to another collector; the history keeps who and why."""
    if not is_team_lead(actor):
        raise CaseRefused(_("Only a team lead can reassign a case"), code="not_team_lead")
    if not reason.strip():
        raise CaseRefused(_("Say why the case is reassigned"), code="reason_required")
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    if not collectors().filter(pk=collector.pk).exists():
        raise CaseRefused(_("Cases go only to active collectors"), code="not_a_collector")
    case.collector = collector
    case.assigned_at = timezone.now()
    case._history_user = actor
    case._change_reason = f"reassigned: {reason}"[:100]
    case.save(update_fields=["collector", "assigned_at"])
    return case


# --- contacts -----------------------------------------------------------------------------


def _local_label(borrower: Borrower, at: datetime) -> str:
    return at.astimezone(ZoneInfo(borrower.time_zone)).strftime("%Y-%m-%d %H:%M %Z")


def _audit_refusal(
    *,
    borrower: Borrower,
    case: CollectionCase | None,
    channel: str,
    at: datetime,
    verdict: Verdict,
    actor,
) -> ContactRefused:
    with transaction.atomic():
        RefusedContact.objects.create(
            borrower=borrower,
            case=case,
            channel=channel,
            at=at,
            reason_code=verdict.code,
            reason=verdict.reason[:300],
            next_allowed_at=verdict.next_allowed_at,
            actor=actor,
            actor_label=_label(actor),
        )
    return ContactRefused(
        verdict.reason, code=verdict.code, next_allowed_at=verdict.next_allowed_at
    )


def _refusal(*, case, actor) -> Verdict | None:
    """Refusals that come before the contact rules: the case itself."""
    if case is None:
        return None
    if not case.is_open:
        return Verdict(False, _("The case is closed"), None, "case_closed")
    if actor is not None and not is_team_lead(actor) and case.collector_id != actor.pk:
        return Verdict(
            False, _("This case is assigned to another collector"), None, "not_your_case"
        )
    return None


def _contact(
    *,
    case_or_borrower,
    channel: str,
    outcome: str,
    actor,
    at: datetime,
    note: str = "",
    third_party: ThirdPartyConsent | None = None,
    after=None,
) -> ContactAttempt:
    """Check and record one contact; `after(attempt)` runs in the same transaction."""
    case = case_or_borrower if isinstance(case_or_borrower, CollectionCase) else None
    borrower = case.borrower if case else case_or_borrower
    with transaction.atomic():
        # One contact at a time per debtor: two collectors never both use the last one allowed.
        Borrower.objects.select_for_update().filter(pk=borrower.pk).first()
        if case is not None:
            case = CollectionCase.objects.select_related("borrower").get(pk=case.pk)
        verdict = _refusal(case=case, actor=actor) or contact_allowed(
            case_or_borrower=case or borrower, channel=channel, at=at, third_party=third_party
        )
        if verdict.allowed:
            attempt = ContactAttempt.objects.create(
                borrower=borrower,
                case=case,
                channel=channel,
                at=at,
                local_at=_local_label(borrower, at),
                outcome=outcome,
                third_party=third_party,
                note=note,
                actor=actor,
                actor_label=_label(actor),
            )
            if after is not None:
                after(attempt)
            return attempt
    raise _audit_refusal(
        borrower=borrower, case=case, channel=channel, at=at, verdict=verdict, actor=actor
    )


def contact_log(
    *,
    case: CollectionCase,
    channel: str,
    outcome: str,
    actor,
    note: str = "",
    third_party: ThirdPartyConsent | None = None,
    at: datetime | None = None,
) -> ContactAttempt:
    """Record a contact with the debtor of `case`, if the rules allow it at `at` (now)."""
    if channel not in Channel.values:
        raise CaseRefused(_("Unknown channel"), code="invalid_channel")
    if outcome not in Outcome.values or outcome == Outcome.SENT:
        raise CaseRefused(_("Unknown outcome"), code="invalid_outcome")
    return _contact(
        case_or_borrower=case,
        channel=channel,
        outcome=outcome,
        actor=actor,
        at=at or timezone.now(),
        note=note,
        third_party=third_party,
    )


def message_send(
    *,
    case_or_borrower: CollectionCase | Borrower,
    kind: str,
    body: str,
    actor=None,
    at: datetime | None = None,
) -> ContactAttempt:
    """An SMS to the debtor through the outbox, if the rules allow one at `at` (now)."""
    case = case_or_borrower if isinstance(case_or_borrower, CollectionCase) else None
    borrower = case.borrower if case else case_or_borrower
    if not body.strip():
        raise CaseRefused(_("The message is empty"), code="empty_message")

    def enqueue(attempt: ContactAttempt) -> None:
        message_enqueue(
            borrower=borrower, phone=borrower.phone, kind=MESSAGE_KIND_PREFIX + kind, body=body
        )

    return _contact(
        case_or_borrower=case_or_borrower,
        channel=Channel.SMS,
        outcome=Outcome.SENT,
        actor=actor,
        at=at or timezone.now(),
        after=enqueue,
    )


@transaction.atomic
def contact_ban_add(
    *,
    borrower: Borrower,
    kind: str,
    valid_from: date,
    document: str,
    actor,
    valid_to: date | None = None,
) -> ContactBan:
    """Record a document that forbids contact. A refusal or a lawyer-only notice counts only
    once some loan of the debtor is past the rules' four months overdue."""
    if kind not in BanKind.values:
        raise CaseRefused(_("Unknown kind of ban"), code="invalid_ban")
    if not document.strip():
        raise CaseRefused(_("Name the document the ban rests on"), code="document_required")
    if valid_to is not None and valid_to < valid_from:
        raise CaseRefused(_("The ban ends before it starts"), code="invalid_period")
    if kind in AFTER_FOUR_MONTHS:
        rule = rule_on(valid_from)
        after = rule.refusal_after_days if rule else 120
        overdue = (
            Loan.objects.filter(
                borrower=borrower, status=LoanStatus.OVERDUE, days_past_due__gt=after
            ).exists()
            or CreditLine.objects.filter(
                borrower=borrower, overdue_kop__gt=0, days_past_due__gt=after
            ).exists()
        )
        if not overdue:
            raise CaseRefused(
                _("A debtor may refuse interaction only after %(days)s days overdue")
                % {"days": after},
                code="refusal_too_early",
            )
    return ContactBan.objects.create(
        borrower=borrower,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
        document=document,
        created_by=actor,
    )


# --- promises -----------------------------------------------------------------------------


@transaction.atomic
def promise_record(
    *, case: CollectionCase, amount_kop: int, promised_on: date, actor
) -> PromiseToPay:
    """The debtor promises to pay; a pending promise is replaced by the new one."""
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    _require_handler(case, actor)
    _require_open(case)
    today = current_business_date()
    if not isinstance(amount_kop, int) or isinstance(amount_kop, bool) or amount_kop <= 0:
        raise CaseRefused(_("The promised amount must be positive"), code="invalid_amount")
    debt_kop = case_debt(case).debt_kop
    if amount_kop > debt_kop:
        raise CaseRefused(
            _("The promise (%(amount)s) is more than the debt (%(debt)s)")
            % {"amount": format_rub(amount_kop), "debt": format_rub(debt_kop)},
            code="promise_above_debt",
        )
    if promised_on < today:
        raise CaseRefused(_("The promised date is in the past"), code="promise_in_past")
    horizon = today + timedelta(days=settings.COLLECTION_PROMISE_MAX_DAYS)
    if promised_on > horizon:
        raise CaseRefused(
            _("A promise may be at most %(days)s days ahead")
            % {"days": settings.COLLECTION_PROMISE_MAX_DAYS},
            code="promise_too_far",
        )
    case.promises.filter(status=PromiseStatus.PENDING).update(
        status=PromiseStatus.SUPERSEDED, resolved_on=today
    )
    promise = PromiseToPay.objects.create(
        case=case, amount_kop=amount_kop, promised_on=promised_on, made_on=today, actor=actor
    )
    case.next_action = NextAction.CHECK_PROMISE
    case.next_action_on = promised_on + timedelta(days=1)
    case._history_user = actor
    case._change_reason = "promise to pay"
    case.save(update_fields=["next_action", "next_action_on"])
    return promise


# --- restructuring ------------------------------------------------------------------------


def restructuring_offer(
    *, case: CollectionCase, periods: int, period_days: int, actor, at: datetime | None = None
) -> RestructuringRequest:
    """Offer the debtor an installment plan (the loan core's), by SMS within the rules.

    The open request of the loan, if any, becomes this offer; the message and the offer
    commit together, or neither does.
    """
    case = CollectionCase.objects.select_related("loan__borrower").get(pk=case.pk)
    _require_handler(case, actor)
    _require_open(case)
    _require_restructurable(case)
    items, arrears = loan_services.restructuring_preview(
        loan=case.loan, periods=periods, period_days=period_days
    )
    first = items[0].total_kop + arrears[0]
    # Borrowers read SMS in Russian whatever the operator's interface language.
    body = (
        f"Займер: можем разделить ваш долг на {periods} платежей раз в {period_days} дн., "
        f"первый {format_rub(first)} до {items[0].due_date:%d.%m.%Y}. Принять можно в приложении."
    )
    offer = {}

    def record(attempt: ContactAttempt) -> None:
        message_enqueue(
            borrower=case.loan.borrower,
            phone=case.loan.borrower.phone,
            kind=MESSAGE_KIND_PREFIX + "restructuring_offer",
            body=body,
        )
        request = (
            RestructuringRequest.objects.select_for_update()
            .filter(loan=case.loan, status__in=OPEN_RESTRUCTURING)
            .first()
        ) or RestructuringRequest(loan=case.loan)
        request.periods, request.period_days = periods, period_days
        request.status = RestructuringStatus.OFFERED
        request.save()
        CollectionCase.objects.filter(pk=case.pk).update(
            next_action=NextAction.CALL, next_action_on=current_business_date() + timedelta(days=3)
        )
        offer["request"] = request

    _contact(
        case_or_borrower=case,
        channel=Channel.SMS,
        outcome=Outcome.SENT,
        actor=actor,
        at=at or timezone.now(),
        after=record,
    )
    return offer["request"]


@transaction.atomic
def case_restructuring_accept(*, case: CollectionCase, actor=None) -> Loan:
    """The debtor accepts the offered plan: the loan core restructures it, the case closes."""
    case = CollectionCase.objects.select_for_update().get(pk=case.pk)
    _require_open(case)
    _require_restructurable(case)
    request = (
        RestructuringRequest.objects.select_for_update()
        .filter(loan_id=case.loan_id, status=RestructuringStatus.OFFERED)
        .first()
    )
    if request is None:
        raise CaseRefused(_("No restructuring was offered on this loan"), code="no_offer")
    loan = loan_services.loan_restructure(
        loan=case.loan, periods=request.periods, period_days=request.period_days, actor=actor
    )
    request.status = RestructuringStatus.ACCEPTED
    request.save(update_fields=["status"])
    _close(case, on=current_business_date(), reason="restructured", actor=actor)
    return loan


def _close(case: CollectionCase, *, on: date, reason: str, actor=None) -> None:
    case.stage = CaseStage.CLOSED
    case.closed_on = on
    case.closing_reason = reason
    case.next_action = NextAction.NONE
    case.next_action_on = None
    case._history_user = actor
    case._change_reason = f"closed: {reason}"
    case.save()


# --- legal --------------------------------------------------------------------------------


def legal_obstacles(*, case: CollectionCase, actor) -> list[str]:
    """Why the case cannot go to legal collection now (empty: it can)."""
    borrower = case.borrower
    missing = []
    if case.stage != CaseStage.SOFT and case.stage != CaseStage.HARD:
        missing.append(_("The case is not in soft or hard collection"))
    if not (
        case.days_past_due > LEGAL_AFTER_DPD
        or case.strategy == Strategy.LEGAL
        or is_team_lead(actor)
    ):
        missing.append(
            _("Only after %(days)s days overdue, when the strategy says so, or by a team lead")
            % {"days": LEGAL_AFTER_DPD}
        )
    missing += _contract_obstacles(case)
    if not (borrower.passport_series and borrower.passport_number and borrower.birth_date):
        missing.append(_("The borrower's passport details are incomplete"))
    if case_debt(case).debt_kop <= 0:
        missing.append(_("Nothing is owed"))
    bankrupt = ContactBan.objects.filter(
        borrower=borrower, kind=BanKind.BANKRUPTCY, valid_from__lte=current_business_date()
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=current_business_date()))
    if bankrupt.exists():
        missing.append(_("A bankruptcy case is open: the claim goes to the bankruptcy court"))
    return missing


def _contract_obstacles(case: CollectionCase) -> list[str]:
    """A signed contract and proof that the money was issued: a loan's confirmed payout, a
    card's purchase or confirmed transfer."""
    missing = []
    if case.loan is not None:
        if case.loan.signed_at is None or case.loan.signed_on is None:
            missing.append(_("No signed contract"))
        if not case.loan.payouts.filter(status=PayoutStatus.SUCCEEDED).exists():
            missing.append(_("No confirmed payout (proof the money was issued)"))
        return missing
    line = case.credit_line
    assert line is not None
    if not line.credit_uid:
        missing.append(_("No signed contract"))
    issued = line.draws.filter(Q(kind=DrawKind.PURCHASE) | Q(transfer__status=TransferStatus.PAID))
    if not issued.exists():
        missing.append(_("No purchase or confirmed transfer (proof the money was issued)"))
    return missing


@transaction.atomic
def case_hand_over_to_legal(*, case: CollectionCase, actor) -> CollectionCase:
    """Hand the debt to the lawyers: soft contacts freeze, the claim package is ready."""
    case = CollectionCase.objects.select_for_update().select_related("borrower").get(pk=case.pk)
    _require_handler(case, actor)
    missing = legal_obstacles(case=case, actor=actor)
    if missing:
        raise CaseRefused(
            _("Cannot hand over to legal: %(missing)s") % {"missing": "; ".join(missing)},
            code="legal_refused",
        )
    case.stage = CaseStage.LEGAL
    case.legal_at = timezone.now()
    case.legal_by = actor
    case.next_action = NextAction.PREPARE_CLAIM
    case.next_action_on = current_business_date()
    case._history_user = actor
    case._change_reason = "handed over to legal"
    case.save()
    return case
