"""The audit trail: who did what to a loan, a card, a borrower, a product, a collection case or a
scoring model, and when, in one list, newest first (a loan's servicing by staff with both sides
of four eyes).

Each source is read by one query, newest first and cut at the rows the asked page needs; the
sources are merged in Python (`heapq.merge`). A page therefore costs one query per source
whatever the size of the history. Borrowers' records name the borrower by number only: what
changed in their personal data is never shown here.
"""

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cards.models import CreditLineStatus, CreditLineTransition
from collection.models import CollectionCase, ContactAttempt
from desk.models import ActionStatus, ServicingAction
from loans.models import Borrower, Loan, Product, TransitionLog
from loans.money import format_rub
from loans.wordings import loan_status, reason_text, transition_row
from scoring.models import ModelStatus, ModelTransition

PAGE_SIZE = 50
MAX_PAGE = 40
EXPORT_LIMIT = 10_000


class ObjectKind(models.TextChoices):
    LOAN = "loan", gettext_lazy("Loan")
    BORROWER = "borrower", gettext_lazy("Borrower")
    PRODUCT = "product", gettext_lazy("Product")
    CARD = "card", gettext_lazy("Virtual card")
    CASE = "case", gettext_lazy("Collection case")
    MODEL = "model", gettext_lazy("Scoring model")


@dataclass(frozen=True)
class AuditFilter:
    kind: str = ""
    object_id: int | None = None
    actor: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    kind: ObjectKind
    object_id: int
    actor: str
    action: str
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)


@dataclass(frozen=True)
class Source:
    kind: ObjectKind
    read: Callable[[AuditFilter, int], Iterable[AuditRow]]


def _window(
    rows: QuerySet, wanted: AuditFilter, *, at: str, object_id: str, actor: str
) -> QuerySet:
    """The source's rows the filter asks for, newest first."""
    match = Q()
    if wanted.object_id is not None:
        match &= Q(**{object_id: wanted.object_id})
    if wanted.actor:
        match &= Q(**{f"{actor}__iexact": wanted.actor})
    if wanted.since is not None:
        match &= Q(**{f"{at}__gte": wanted.since})
    if wanted.until is not None:
        match &= Q(**{f"{at}__lt": wanted.until})
    return rows.filter(match).order_by(f"-{at}", "-pk")


def _transitions(
    model: type[TransitionLog] | type[CreditLineTransition],
    kind: ObjectKind,
    subject: str,
    status: Callable[[str], str],
) -> Callable[[AuditFilter, int], Iterator[AuditRow]]:
    """A transition log's rows (a loan's or a card's): who moved what from which status."""

    def read(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
        rows = _window(
            model._default_manager.only(
                "pk", subject, "transition", "source", "target", "actor_label", "reason", "at"
            ),
            wanted,
            at="at",
            object_id=subject,
            actor="actor_label",
        )
        for row in rows[:limit]:
            yield AuditRow(
                at=row.at,
                kind=kind,
                object_id=getattr(row, subject),
                actor=row.actor_label,
                action=transition_row(row.transition, row.source, row.target, status=status),
                detail=reason_text(row.reason),
            )

    return read


def _card_status(value: str) -> str:
    return str(CreditLineStatus(value).label) if value in CreditLineStatus.values else value or "—"


HISTORY_TYPES = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


def _history(
    model: type[models.Model],
    kind: ObjectKind,
    describe: Callable[[object], str],
    *shown: str,
):
    """A source of simple_history records: who saved the row, and what it then said (only the
    fields in `shown` are read)."""

    def read(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
        records = _window(
            model.history.select_related("history_user").only(  # type: ignore[attr-defined]
                "history_id",
                "id",
                "history_date",
                "history_type",
                "history_change_reason",
                "history_user__username",
                *shown,
            ),
            wanted,
            at="history_date",
            object_id="id",
            actor="history_user__username",
        )
        for record in records[:limit]:
            user = record.history_user
            yield AuditRow(
                at=record.history_date,
                kind=kind,
                object_id=record.id,
                actor=user.username if user is not None else "system",
                action=f"{HISTORY_TYPES.get(record.history_type, record.history_type)}"
                f"{describe(record)}",
                detail=reason_text(record.history_change_reason or ""),
            )

    return read


def _contacts(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
    rows = _window(
        ContactAttempt.objects.filter(case__isnull=False).only(
            "pk", "case_id", "channel", "outcome", "actor_label", "at"
        ),
        wanted,
        at="at",
        object_id="case_id",
        actor="actor_label",
    )
    for row in rows[:limit]:
        yield AuditRow(
            at=row.at,
            kind=ObjectKind.CASE,
            object_id=row.case_id or 0,
            actor=row.actor_label,
            action=_("contact: %(channel)s, %(outcome)s")
            % {"channel": row.get_channel_display(), "outcome": row.get_outcome_display()},
        )


def _model_transitions(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
    rows = _window(
        ModelTransition.objects.select_related("model_version").only(
            "pk",
            "from_status",
            "to_status",
            "actor_label",
            "reason",
            "at",
            "model_version__kind",
            "model_version__version",
        ),
        wanted,
        at="at",
        object_id="model_version_id",
        actor="actor_label",
    )
    for row in rows[:limit]:
        version = row.model_version
        yield AuditRow(
            at=row.at,
            kind=ObjectKind.MODEL,
            object_id=row.model_version_id,
            actor=row.actor_label,
            action=f"{version.get_kind_display()} v{version.version}: "
            f"{_model_status(row.from_status)} → {_model_status(row.to_status)}",
            detail=row.reason,
        )


def _servicing_what(action: ServicingAction) -> str:
    what = f"{action.get_kind_display()} №{action.pk}"
    return f"{what}, {format_rub(action.amount_kop)}" if action.amount_kop else what


def _servicing_made(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
    """Servicing by staff as it was done or proposed (the maker's side of four eyes)."""
    rows = _window(
        ServicingAction.objects.select_related("proposed_by"),
        wanted,
        at="proposed_at",
        object_id="loan_id",
        actor="proposed_by__username",
    )
    for row in rows[:limit]:
        text = _("servicing proposed: %(what)s") if row.four_eyes else _("servicing: %(what)s")
        yield AuditRow(
            at=row.proposed_at,
            kind=ObjectKind.LOAN,
            object_id=row.loan_id,
            actor=row.proposed_by.username,
            action=text % {"what": _servicing_what(row)},
            detail=row.reason,
        )


def _servicing_decided(wanted: AuditFilter, limit: int) -> Iterator[AuditRow]:
    """The checker's side of four eyes: who approved or rejected a proposal."""
    rows = _window(
        ServicingAction.objects.filter(four_eyes=True, decided_by__isnull=False).select_related(
            "decided_by"
        ),
        wanted,
        at="decided_at",
        object_id="loan_id",
        actor="decided_by__username",
    )
    for row in rows[:limit]:
        approved = row.status == ActionStatus.DONE
        text = _("servicing approved: %(what)s") if approved else _("servicing rejected: %(what)s")
        yield AuditRow(
            at=row.decided_at,
            kind=ObjectKind.LOAN,
            object_id=row.loan_id,
            actor=row.decided_by.username,
            action=text % {"what": _servicing_what(row)},
            detail=row.comment,
        )


def _model_status(value: str) -> str:
    return str(ModelStatus(value).label) if value in ModelStatus.values else value


def _loan_status(record) -> str:
    return f" ({loan_status(record.status)})"


def _case_stage(record) -> str:
    return f" ({record.get_stage_display()})"


def _product_code(record) -> str:
    return f" ({record.code})"


def _nothing(record) -> str:
    return ""


SOURCES = (
    Source(ObjectKind.LOAN, _transitions(TransitionLog, ObjectKind.LOAN, "loan_id", loan_status)),
    Source(ObjectKind.LOAN, _history(Loan, ObjectKind.LOAN, _loan_status, "status")),
    Source(ObjectKind.LOAN, _servicing_made),
    Source(ObjectKind.LOAN, _servicing_decided),
    Source(ObjectKind.BORROWER, _history(Borrower, ObjectKind.BORROWER, _nothing)),
    Source(ObjectKind.PRODUCT, _history(Product, ObjectKind.PRODUCT, _product_code, "code")),
    Source(
        ObjectKind.CARD,
        _transitions(CreditLineTransition, ObjectKind.CARD, "credit_line_id", _card_status),
    ),
    Source(ObjectKind.CASE, _contacts),
    Source(ObjectKind.CASE, _history(CollectionCase, ObjectKind.CASE, _case_stage, "stage")),
    Source(ObjectKind.MODEL, _model_transitions),
)


def audit_rows(*, wanted: AuditFilter, limit: int) -> list[AuditRow]:
    """The newest `limit` rows of every source the filter keeps, newest first: one query per
    source."""
    streams = [
        source.read(wanted, limit)
        for source in SOURCES
        if not wanted.kind or source.kind == wanted.kind
    ]
    merged = heapq.merge(*streams, key=lambda row: row.at, reverse=True)
    return list(itertools.islice(merged, limit))


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def audit_page(*, wanted: AuditFilter, page: int = 1) -> AuditPage:
    """One page of the trail; pages beyond MAX_PAGE are not offered (narrow the filter)."""
    number = min(max(page, 1), MAX_PAGE)
    rows = audit_rows(wanted=wanted, limit=number * PAGE_SIZE + 1)
    start = (number - 1) * PAGE_SIZE
    return AuditPage(
        rows=rows[start : start + PAGE_SIZE],
        number=number,
        has_next=len(rows) > start + PAGE_SIZE and number < MAX_PAGE,
    )
