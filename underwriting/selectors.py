"""Reads of underwriting shared by the pages and the staff API."""

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from cards.models import CreditLine
from kernel.errors import DomainError
from kernel.roles import RISK_MANAGER, has_role
from loans import selectors as loan_selectors
from loans.business_date import current_business_date
from loans.models import Borrower, DebtLoad, Loan, TransitionLog
from loans.models.borrowers import age_years
from loans.money import format_rub
from loans.pdn import (
    average_monthly_payment_kop,
    debt_load_exceeds_warning,
    debt_load_percent,
    income_for_pdn_kop,
)
from loans.wordings import bureau_name, model_label_text, reason_text, transition_row
from underwriting.errors import ReviewRefused
from underwriting.identity import IdentityCheck, identity_checks
from underwriting.models import QUEUED, DeclineReason, ReviewTask, TaskStatus, Verdict


def queue_tasks() -> QuerySet[ReviewTask]:
    """Every application waiting for a person, with what a queue row shows in one query."""
    return (
        ReviewTask.objects.filter(QUEUED)
        .select_related("product", "assigned_to")
        .order_by("due_at", "id")
    )


def task_for_dossier(*, task_id: int) -> ReviewTask | None:
    return (
        ReviewTask.objects.select_related(
            "loan__product", "loan__borrower__region", "assigned_to", "decided_by"
        )
        .filter(pk=task_id)
        .first()
    )


@dataclass
class Offer:
    amount_kop: int
    term_days: int
    items: list = field(default_factory=list)
    total_kop: int = 0
    psk_percent: Decimal | None = None
    psk_kop: int | None = None
    pdn_percent: Decimal | None = None
    pdn_warning: bool = False
    income_kop: int | None = None
    problem: str = ""


def offer_preview(
    *,
    loan: Loan,
    on: date,
    existing_payments_kop: int | None,
    amount_kop: int | None = None,
    term_days: int | None = None,
) -> Offer:
    """The contract the application would become if approved as asked (or for the amount and
    term given), with ПСК, and ПДН over the borrower's other monthly payments as the robot
    counted them (unknown: no ПДН)."""
    offer = Offer(
        amount_kop=loan.requested_amount_kop if amount_kop is None else amount_kop,
        term_days=loan.requested_term_days if term_days is None else term_days,
    )
    try:
        quote = loan_selectors.loan_quote(
            product=loan.product,
            amount_kop=offer.amount_kop,
            term_days=offer.term_days,
            first_period_days=loan.first_period_days,
        )
    except DomainError as refusal:
        offer.problem = refusal.message
        return offer
    offer.items = quote.items
    offer.total_kop = quote.total_kop
    offer.psk_percent = quote.psk.percent
    offer.psk_kop = quote.psk.amount_kop
    borrower = loan.borrower
    offer.income_kop = income_for_pdn_kop(
        declared_kop=borrower.declared_income_kop,
        confirmed_kop=borrower.confirmed_income_kop,
        regional_average_kop=borrower.region.average_income_kop,
        loan_principal_kop=offer.amount_kop,
        on_date=on,
    )
    if existing_payments_kop is None:
        return offer
    new = average_monthly_payment_kop(items=quote.items, issue_date=quote.issue_date)
    payments = [existing_payments_kop, new]
    try:
        offer.pdn_percent = debt_load_percent(
            monthly_payments_kop=payments, monthly_income_kop=offer.income_kop
        )
        # Compared exactly, not after rounding: 50.00002 % warns though it shows as 50.00.
        offer.pdn_warning = debt_load_exceeds_warning(
            monthly_payments_kop=payments, monthly_income_kop=offer.income_kop
        )
    except DomainError as refusal:
        offer.problem = refusal.message
    return offer


def approval_terms(
    *, task: ReviewTask, actor, amount_kop: int | None, term_days: int | None
) -> tuple[int, int]:
    """The amount and term an approval by `actor` would give (empty: as asked), or the refusal
    the approval would give: above the robot's limit only a risk manager, never more or longer
    than asked."""
    loan = task.loan
    amount = loan.requested_amount_kop if amount_kop is None else amount_kop
    term = loan.requested_term_days if term_days is None else term_days
    if amount > task.robot_limit_kop and not has_role(actor, RISK_MANAGER):
        raise ReviewRefused(
            gettext_now(
                "%(amount)s is above the robot's limit of %(limit)s; "
                "only a risk manager may approve more."
            )
            % {"amount": format_rub(amount), "limit": format_rub(task.robot_limit_kop)},
            field="amount",
        )
    if amount > loan.requested_amount_kop:
        raise ReviewRefused(
            gettext_now("The amount cannot be more than the borrower asked."), field="amount"
        )
    if term > loan.requested_term_days:
        raise ReviewRefused(
            gettext_now("The term cannot be longer than the borrower asked."), field="term"
        )
    return amount, term


def approval_preview(
    *,
    task: ReviewTask,
    actor,
    amount_kop: int | None,
    term_days: int | None,
    as_asked: Offer | None = None,
) -> Offer:
    """What approving with these terms would offer the borrower, before anyone approves;
    `as_asked`, the dossier's offer already counted, stands for the terms asked."""
    loan = task.loan
    try:
        amount, term = approval_terms(
            task=task, actor=actor, amount_kop=amount_kop, term_days=term_days
        )
    except DomainError as refusal:
        return Offer(amount_kop=amount_kop or 0, term_days=term_days or 0, problem=refusal.message)
    if as_asked is not None and (amount, term) == (as_asked.amount_kop, as_asked.term_days):
        return as_asked
    return offer_preview(
        loan=loan,
        on=current_business_date(),
        existing_payments_kop=task.existing_payments_kop,
        amount_kop=amount,
        term_days=term,
    )


@dataclass(frozen=True)
class PastLoan:
    loan: Loan
    paid_kop: int


def borrower_history(*, loan: Loan) -> list[PastLoan]:
    """The borrower's other loans, newest first, with what they paid on each."""
    rows = (
        Loan.objects.filter(borrower_id=loan.borrower_id)
        .exclude(pk=loan.pk)
        .select_related("product")
        .annotate(paid_kop=Sum("payments__amount_kop"))
        .order_by("-applied_at")[:50]
    )
    return [PastLoan(loan=row, paid_kop=row.paid_kop or 0) for row in rows]


@dataclass(frozen=True)
class Change:
    at: datetime
    who: str
    what: str


TASK_CHANGES = {
    "claimed": _("taken by the underwriter"),
    "released": _("given back to the queue"),
    "document requested": _("a document was requested"),
    "document received": _("the document has come"),
    "decided: approve": _("decided: approved"),
    "decided: decline": _("decided: declined"),
}
DECLINED_BY_UNDERWRITER = re.compile(r"underwriter: (?P<codes>[a-z_]+(?:, [a-z_]+)*)")


def _reason(stored: str) -> str:
    """A transition's stored reason in words; an underwriter's decline names its reasons."""
    declined = DECLINED_BY_UNDERWRITER.fullmatch(stored)
    if declined and set(declined["codes"].split(", ")) <= set(DeclineReason.values):
        labels = [str(DeclineReason(code).label) for code in declined["codes"].split(", ")]
        return gettext_now("underwriter: %(reasons)s") % {"reasons": "; ".join(labels)}
    return reason_text(stored)


def change_history(*, task: ReviewTask) -> list[Change]:
    """The loan's transitions and the task's own changes, oldest first, in words."""
    changes = [
        Change(
            at=row.at,
            who=gettext_now("system") if row.actor_label == "system" else row.actor_label,
            what=". ".join(
                part
                for part in (
                    transition_row(row.transition, row.source, row.target),
                    _reason(row.reason),
                )
                if part
            ),
        )
        for row in TransitionLog.objects.filter(loan_id=task.loan_id)
    ]
    changes += [
        Change(
            at=row.history_date,
            who=row.history_user.get_username() if row.history_user else gettext_now("system"),
            what=str(TASK_CHANGES.get(row.history_change_reason or "", ""))
            or row.history_change_reason
            or row.get_history_type_display(),
        )
        for row in task.history.select_related("history_user")
    ]
    return sorted(changes, key=lambda change: change.at)


BUREAU_LABELS = {
    "bureaus": _("Bureaus asked"),
    "self_ban": _("Self-ban on borrowing"),
    "identity_mismatch": _("Identity mismatch"),
    "bki_open_loans": _("Open loans"),
    "bki_open_high_psk_loans": _("Open loans with ПСК above 100 %"),
    "bki_other_debt_rub": _("Debt elsewhere, ₽"),
    "bki_max_dpd_12m": _("Worst days past due, 12 months"),
    "bki_delinquencies_30_24m": _("30+ days delinquencies, 24 months"),
    "bki_inquiries_7d": _("Inquiries, 7 days"),
    "bki_inquiries_30d": _("Inquiries, 30 days"),
    "bki_inquiries_90d": _("Inquiries, 90 days"),
    "bki_history_months": _("Credit history, months"),
}


def bureau_rows(task: ReviewTask) -> list[tuple[str, str]]:
    """The bureau summary in words, in a fixed order; keys unknown here come last as they are."""
    labels = {key: str(label) for key, label in BUREAU_LABELS.items()}
    order = [key for key in BUREAU_LABELS if key in task.bureau]
    order += [key for key in task.bureau if key not in BUREAU_LABELS]
    return [(labels.get(key, key), _shown(task.bureau[key])) for key in order]


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list):
        return ", ".join(bureau_name(str(item)) for item in value)
    return str(value)


@dataclass
class Dossier:
    task: ReviewTask
    loan: Loan
    borrower: Borrower
    offer: Offer
    history: list[PastLoan]
    cards: list[CreditLine]
    checks: list[IdentityCheck]
    changes: list[Change]
    age: int
    bureau: list[tuple[str, str]]
    decline_reasons: list[str]
    model_label: str
    debt_load: DebtLoad | None = None


def dossier(*, task: ReviewTask) -> Dossier:
    loan = task.loan
    borrower = loan.borrower
    on = current_business_date()
    return Dossier(
        task=task,
        loan=loan,
        borrower=borrower,
        offer=offer_preview(loan=loan, on=on, existing_payments_kop=task.existing_payments_kop),
        history=borrower_history(loan=loan),
        cards=list(CreditLine.objects.filter(borrower=borrower).order_by("-opened_on", "-pk")),
        checks=identity_checks(borrower=borrower, card_token=task.card_token, on=on),
        changes=change_history(task=task),
        age=age_years(borrower.birth_date, on),
        bureau=bureau_rows(task),
        model_label=model_label_text(task.model_label),
        decline_reasons=[str(DeclineReason(code).label) for code in task.decline_reasons],
        debt_load=DebtLoad.objects.filter(loan=loan).first(),
    )


# --- metrics for the team lead -------------------------------------------------------------


@dataclass(frozen=True)
class UnderwriterRate:
    name: str
    decisions: int
    approvals: int
    per_hour: float


@dataclass(frozen=True)
class SegmentTimes:
    segment: str
    decisions: int
    median_minutes: float | None
    p90_minutes: float | None
    breach_share: float | None


@dataclass(frozen=True)
class TeamMetrics:
    since: datetime
    hours: float
    queue_now: dict
    underwriters: list[UnderwriterRate]
    segments: list[SegmentTimes]


def team_metrics(*, hours: float = 8.0, now: datetime | None = None) -> TeamMetrics:
    now = now or timezone.now()
    since = now - timedelta(hours=hours)
    queue_now = dict(
        queue_tasks()
        .order_by()
        .values_list("segment")
        .annotate(n=Count("id"))
        .values_list("segment", "n")
    )
    decided = ReviewTask.objects.filter(status=TaskStatus.DECIDED, decided_at__gte=since)
    underwriters = [
        UnderwriterRate(
            name=row["decided_by__username"],
            decisions=row["n"],
            approvals=row["approved"],
            per_hour=row["n"] / hours,
        )
        for row in decided.values("decided_by__username")
        .annotate(n=Count("id"), approved=Count("id", filter=Q(verdict=Verdict.APPROVE)))
        .order_by("-n", "decided_by__username")
    ]
    by_segment: dict[str, list[tuple[float, bool]]] = {}
    for segment, applied_at, decided_at, sla_met in decided.values_list(
        "segment", "loan__applied_at", "decided_at", "sla_met"
    ):
        minutes = (decided_at - applied_at).total_seconds() / 60
        by_segment.setdefault(segment, []).append((minutes, bool(sla_met)))
    segments = [_segment_times(segment, rows) for segment, rows in sorted(by_segment.items())]
    return TeamMetrics(
        since=since, hours=hours, queue_now=queue_now, underwriters=underwriters, segments=segments
    )


def _segment_times(segment: str, rows: list[tuple[float, bool]]) -> SegmentTimes:
    minutes = sorted(value for value, _met in rows)
    return SegmentTimes(
        segment=segment,
        decisions=len(rows),
        median_minutes=statistics.median(minutes),
        p90_minutes=percentile(minutes, 0.9),
        breach_share=sum(1 for _value, met in rows if not met) / len(rows),
    )


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of values at or below."""
    rank = max(1, -(-len(sorted_values) * share // 1))
    return sorted_values[int(rank) - 1]
