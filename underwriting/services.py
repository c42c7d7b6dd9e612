"""Every write of underwriting: open a task, claim it, decide it. One function per action."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from loans import services as loan_services
from loans.debt_load import debt_load_note
from loans.messaging import message_enqueue
from loans.models import Loan, LoanStatus
from loans.money import format_rub
from underwriting.errors import ReviewConflict, ReviewRefused
from underwriting.models import (
    QUEUED,
    DeclineReason,
    ReviewTask,
    Segment,
    TaskStatus,
    Verdict,
)
from underwriting.selectors import approval_terms


def sla_minutes(segment: str) -> float:
    return float(settings.UNDERWRITING_SLA_MINUTES[segment])


def _clock(start: datetime, seconds: float) -> tuple[datetime, datetime]:
    """(due, warn) for a clock of `seconds` starting at `start`."""
    warn_share = float(settings.UNDERWRITING_SLA_WARN_SHARE)
    return (
        start + timedelta(seconds=seconds),
        start + timedelta(seconds=seconds * (1 - warn_share)),
    )


def _idle_cutoff(now: datetime) -> datetime:
    return now - timedelta(minutes=float(settings.UNDERWRITING_IDLE_RELEASE_MINUTES))


@transaction.atomic
def review_open(
    *,
    loan: Loan,
    segment: str,
    robot_limit_kop: int,
    pd: float | None = None,
    points: int | None = None,
    reasons: list[dict] | None = None,
    bureau: dict | None = None,
    model_label: str = "",
    card_token: str = "",
    existing_payments_kop: int | None = None,
) -> ReviewTask:
    """The task for a referred application; opening it again returns the same task."""
    if segment not in Segment.values:
        raise ReviewRefused(_("Unknown segment: %(segment)s") % {"segment": segment})
    now = timezone.now()
    due, warn = _clock(now, sla_minutes(segment) * 60)
    task, _created = ReviewTask.objects.get_or_create(
        loan=loan,
        defaults={
            "segment": segment,
            "product_id": loan.product_id,
            "amount_kop": loan.requested_amount_kop,
            "term_days": loan.requested_term_days,
            "created_at": now,
            "due_at": due,
            "warn_at": warn,
            "robot_limit_kop": robot_limit_kop,
            "pd": pd,
            "points": points,
            "reasons": reasons or [],
            "bureau": bureau or {},
            "model_label": model_label,
            "card_token": card_token,
            "existing_payments_kop": existing_payments_kop,
        },
    )
    return task


def _claimable(now: datetime) -> Q:
    return (
        QUEUED
        & Q(status=TaskStatus.OPEN, loan__status=LoanStatus.IN_REVIEW)
        & (Q(assigned_to__isnull=True) | Q(last_seen_at__lt=_idle_cutoff(now)))
    )


def _hold(task: ReviewTask, *, actor, now: datetime) -> ReviewTask:
    task.assigned_to = actor
    task.claimed_at = now
    task.last_seen_at = now
    task._change_reason = "claimed"
    task.save(update_fields=["assigned_to", "claimed_at", "last_seen_at"])
    return task


@transaction.atomic
def review_claim_next(*, actor) -> ReviewTask | None:
    """Give the underwriter the open task nearest its deadline that nobody holds.

    An underwriter works one task at a time: one already held is returned again. Two
    claimers never get the same task: on PostgreSQL one UPDATE takes the first candidate row
    that `FOR UPDATE SKIP LOCKED` can lock; elsewhere (SQLite) a conditional UPDATE that only
    succeeds while the task is still free decides, and a loser moves on to the next candidate.
    The claim is recorded on the task (holder, time); the history keeps decisions.
    """
    now = timezone.now()
    held = (
        ReviewTask.objects.filter(
            status=TaskStatus.OPEN, assigned_to=actor, loan__status=LoanStatus.IN_REVIEW
        )
        .order_by("due_at", "id")
        .first()
    )
    if held is not None:
        return _touch(held, now=now)
    free = ReviewTask.objects.filter(_claimable(now)).order_by("due_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        won = _claim_skip_locked(free, actor=actor, now=now)
    else:
        won = _first_free(free.values_list("pk", flat=True)[:20], actor=actor, now=now)
    return ReviewTask.objects.get(pk=won) if won else None


def _claim_skip_locked(free: QuerySet[ReviewTask], *, actor, now: datetime) -> int | None:
    candidate = free.select_for_update(skip_locked=True, of=("self",)).values("pk")[:1]
    select, params = candidate.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # The table name is the model's own; every value travels as a parameter.
            f"UPDATE {ReviewTask._meta.db_table} SET assigned_to_id = %s, claimed_at = %s,"  # noqa: S608
            f" last_seen_at = %s WHERE id = ({select}) RETURNING id",
            [actor.pk, now, now, *params],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _first_free(candidates: Iterable[int], *, actor, now: datetime) -> int | None:
    """Claim the first candidate still free with a conditional UPDATE; a candidate someone
    claimed since it was read updates no row and the next one is tried."""
    for candidate in candidates:
        won = ReviewTask.objects.filter(_claimable(now), pk=candidate).update(
            assigned_to=actor, claimed_at=now, last_seen_at=now
        )
        if won:
            return candidate
    return None


def _touch(task: ReviewTask, *, now: datetime) -> ReviewTask:
    ReviewTask.objects.filter(pk=task.pk).update(last_seen_at=now)
    task.last_seen_at = now
    return task


def _locked(task_id: int) -> ReviewTask:
    task = (
        ReviewTask.objects.select_for_update(of=("self",))
        .select_related("loan", "loan__product", "assigned_to")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise ReviewRefused(_("There is no such review task."))
    return task


def _holder_name(task: ReviewTask) -> str:
    user = task.assigned_to
    return (user.get_full_name() or user.get_username()) if user else ""


def _require_open(task: ReviewTask) -> None:
    if task.status == TaskStatus.DECIDED:
        raise ReviewConflict(
            _("This application has already been decided (%(verdict)s).")
            % {"verdict": task.get_verdict_display()}
        )
    if task.loan.status != LoanStatus.IN_REVIEW:
        raise ReviewConflict(
            _("The application is no longer under review (it is %(status)s).")
            % {"status": task.loan.get_status_display()}
        )


def _refuse_if_held_by_other(task: ReviewTask, *, actor, now: datetime) -> None:
    """Another person's task may be taken over only once they have left it idle."""
    if task.assigned_to_id in (None, actor.pk):
        return
    if task.last_seen_at is not None and task.last_seen_at >= _idle_cutoff(now):
        raise ReviewConflict(
            _("%(name)s is working on this application.") % {"name": _holder_name(task)}
        )


def _require_holder(task: ReviewTask, *, actor, now: datetime) -> None:
    _require_open(task)
    if task.assigned_to_id != actor.pk:
        _refuse_if_held_by_other(task, actor=actor, now=now)
        raise ReviewConflict(_("Take the application first: you do not hold it."))


@transaction.atomic
def review_claim(*, task_id: int, actor) -> ReviewTask:
    """Take one particular task (from the queue or the dossier)."""
    now = timezone.now()
    task = _locked(task_id)
    _require_open(task)
    if task.assigned_to_id == actor.pk:
        return _touch(task, now=now)
    _refuse_if_held_by_other(task, actor=actor, now=now)
    return _hold(task, actor=actor, now=now)


@transaction.atomic
def review_release(*, task_id: int, actor) -> ReviewTask:
    task = _locked(task_id)
    if task.assigned_to_id != actor.pk:
        raise ReviewConflict(_("You do not hold this application."))
    task.assigned_to = None
    task.claimed_at = None
    task._change_reason = "released"
    task.save(update_fields=["assigned_to", "claimed_at"])
    return task


def review_touch(*, task_id: int, actor) -> bool:
    """The holder is still looking at the dossier: keep the task from idle release."""
    return bool(
        ReviewTask.objects.filter(
            pk=task_id, assigned_to=actor, status__in=[TaskStatus.OPEN, TaskStatus.WAITING]
        ).update(last_seen_at=timezone.now())
    )


@transaction.atomic
def review_withdraw_stale() -> int:
    """Take out of the queue the applications that left review without a decision here (the
    borrower cancelled, the offer expired); deciding or claiming one already refuses it."""
    return (
        ReviewTask.objects.filter(QUEUED)
        .exclude(loan__status=LoanStatus.IN_REVIEW)
        .update(status=TaskStatus.WITHDRAWN, in_queue=False, assigned_to=None)
    )


@transaction.atomic
def review_release_idle() -> int:
    """Give back tasks whose holder has gone quiet (scheduled every minute)."""
    now = timezone.now()
    return ReviewTask.objects.filter(
        status=TaskStatus.OPEN, assigned_to__isnull=False, last_seen_at__lt=_idle_cutoff(now)
    ).update(assigned_to=None, claimed_at=None)


def _decided(task: ReviewTask, *, verdict: str, actor, now: datetime, comment: str) -> None:
    task.status = TaskStatus.DECIDED
    task.in_queue = False
    task.verdict = verdict
    task.decided_by = actor
    task.decided_at = now
    task.sla_met = now <= task.due_at
    task.comment = comment
    task._change_reason = f"decided: {verdict}"
    task.save()


@transaction.atomic
def review_approve(
    *,
    task_id: int,
    actor,
    amount_kop: int | None = None,
    term_days: int | None = None,
    comment: str = "",
) -> ReviewTask:
    """Approve as asked, or for less or shorter; above the robot's limit only a risk manager."""
    now = timezone.now()
    task = _locked(task_id)
    _require_holder(task, actor=actor, now=now)
    loan = task.loan
    amount, term = approval_terms(
        task=task, actor=actor, amount_kop=amount_kop, term_days=term_days
    )
    reason = f"underwriter: approved {format_rub(amount)} for {term} days"
    loan = loan_services.loan_approve(
        loan=loan, actor=actor, amount_kop=amount, term_days=term, reason=reason
    )
    # ПДН kept with the offer, over the other payments the robot counted.
    debt_load_note(loan=loan, other_payments_kop=task.existing_payments_kop)
    task.approved_amount_kop = amount
    task.approved_term_days = term
    _decided(task, verdict=Verdict.APPROVE, actor=actor, now=now, comment=comment)
    return task


@transaction.atomic
def review_decline(*, task_id: int, actor, reasons: list[str], comment: str = "") -> ReviewTask:
    now = timezone.now()
    comment = comment.strip()
    if not reasons:
        raise ReviewRefused(_("Choose at least one reason for the decline."), field="reasons")
    unknown = sorted(set(reasons) - set(DeclineReason.values))
    if unknown:
        raise ReviewRefused(
            _("Unknown decline reason: %(codes)s") % {"codes": ", ".join(unknown)},
            field="reasons",
        )
    if DeclineReason.OTHER in reasons and not comment:
        raise ReviewRefused(_("Explain the reason “Other” in the comment."), field="comment")
    task = _locked(task_id)
    _require_holder(task, actor=actor, now=now)
    ordered = [code for code in DeclineReason.values if code in reasons]
    loan_services.loan_decline(
        loan=task.loan, actor=actor, reason="underwriter: " + ", ".join(ordered)
    )
    task.decline_reasons = ordered
    _decided(task, verdict=Verdict.DECLINE, actor=actor, now=now, comment=comment)
    return task


@transaction.atomic
def review_request_document(*, task_id: int, actor, document: str) -> ReviewTask:
    """Ask the borrower for a document: the SLA clock stops and the wait clock runs."""
    now = timezone.now()
    document = document.strip()
    if not document:
        raise ReviewRefused(_("Say which document is needed."), field="document")
    task = _locked(task_id)
    _require_holder(task, actor=actor, now=now)
    if task.status == TaskStatus.WAITING:
        raise ReviewConflict(_("A document has already been requested."))
    task.paused_sla_seconds = max((task.due_at - now).total_seconds(), 0.0)
    task.due_at, task.warn_at = _clock(now, float(settings.UNDERWRITING_DOCUMENT_WAIT_MINUTES) * 60)
    task.status = TaskStatus.WAITING
    task.document_requested = document[:200]
    task.document_requested_at = now
    task.last_seen_at = now
    task._change_reason = "document requested"
    task.save()
    borrower = task.loan.borrower
    message_enqueue(
        borrower=borrower,
        phone=borrower.phone,
        kind="document_request",
        body=(
            f"Займер: для решения по заявке №{task.loan_id} нужен документ: "
            f"{task.document_requested}. Загрузите его в приложении."
        ),
    )
    return task


@transaction.atomic
def review_document_received(*, task_id: int, actor) -> ReviewTask:
    """The document has come: the task is open again with the SLA time it had left."""
    now = timezone.now()
    task = _locked(task_id)
    _require_open(task)
    if task.status != TaskStatus.WAITING:
        raise ReviewConflict(_("No document is awaited for this application."))
    _refuse_if_held_by_other(task, actor=actor, now=now)
    remaining = task.paused_sla_seconds or 0.0
    task.due_at, task.warn_at = _clock(now, remaining)
    task.status = TaskStatus.OPEN
    task.paused_sla_seconds = None
    task.assigned_to = actor
    task.claimed_at = now
    task.last_seen_at = now
    task._change_reason = "document received"
    task.save()
    return task
