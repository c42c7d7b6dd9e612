"""The staff desk's reads: a search across the book and one borrower's page.

Each read issues a fixed number of queries whatever the size of the book or of the borrower's
history (pinned by tests/desk): one query per list, every list capped at its latest rows.
"""

import re
from dataclasses import dataclass, field
from enum import Enum

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Func, Q, QuerySet
from django.utils.translation import gettext as _

from collection.models import CollectionCase, ContactAttempt
from desk.models import ActionStatus, ServicingAction
from loans.models import Borrower, BorrowerMessage, ContractDocument, IncomingPayment, Loan
from scoring.models import ScoreResult
from underwriting.models import ReviewTask

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 100
MIN_NAME_LENGTH = 2
# The longest lists the borrower's page shows, newest first.
LIST_LIMIT = 100

UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-[0-9a-f])?$")
NAME = re.compile(r"^[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*[ .]*$")
# What people type around the digits of a phone or a passport.
SEPARATORS = re.compile(r"[\s()\-.№#]")


class Key(Enum):
    PHONE = "phone"
    PASSPORT = "passport"
    LOAN = "loan"
    UID = "uid"
    NAME = "name"


# Keys that reach a borrower through their personal data: such a search is on record.
PERSONAL_KEYS = frozenset({Key.PHONE, Key.PASSPORT})


@dataclass(frozen=True)
class Query:
    """What a search term was read as: the keys it may be, each with its normalised value."""

    keys: dict[Key, str] = field(default_factory=dict)
    error: str = ""

    @property
    def personal(self) -> bool:
        return bool(PERSONAL_KEYS & set(self.keys))


def normalise_phone(digits: str) -> str | None:
    """A Russian mobile or landline number as stored (+7XXXXXXXXXX), or None."""
    if len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if len(digits) == 10 and digits[0] in "3489":
        return "+7" + digits
    return None


def parse_query(text: str) -> Query:
    """Read a search term as a phone, a passport, a contract number, an УИд or a name."""
    term = " ".join(text.split())
    if not term:
        return Query(error=_("Enter a phone, a passport, a contract number, an УИд or a name."))
    if len(term) > MAX_QUERY_LENGTH:
        return Query(
            error=_("The search term is too long: at most %(limit)s characters.")
            % {"limit": MAX_QUERY_LENGTH}
        )
    if UID.match(term.lower()):
        return Query(keys={Key.UID: term.lower()})
    compact = SEPARATORS.sub("", term)
    plus = compact.startswith("+")
    digits = compact.removeprefix("+")
    if digits.isdigit():
        keys: dict[Key, str] = {}
        phone = normalise_phone(digits)
        if phone is not None and (not plus or digits.startswith("7")):
            keys[Key.PHONE] = phone
        if len(digits) == 10 and not plus:
            keys[Key.PASSPORT] = digits
        if len(digits) <= 9 and not plus:
            keys[Key.LOAN] = digits
        if keys:
            return Query(keys=keys)
    elif NAME.match(term) and len(term) >= MIN_NAME_LENGTH:
        return Query(keys={Key.NAME: term})
    return Query(
        error=_(
            "Nothing to search by: a phone has 10 or 11 digits, a passport 10 (series and "
            "number), a contract number up to 9, an УИд is 38 characters, a name has letters only."
        )
    )


class Casefold(Func):
    """Unicode case folding in the database: SQLite's own LOWER folds ASCII only."""

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="desk_casefold", **extra_context)


def _matching(query: Query) -> Q:
    match = Q(pk__in=[])
    for key, value in query.keys.items():
        if key is Key.PHONE:
            match |= Q(phone=value)
        elif key is Key.PASSPORT:
            match |= Q(passport_series=value[:4], passport_number=value[4:])
        elif key is Key.LOAN:
            match |= Q(loans__pk=int(value))
        elif key is Key.UID:
            match |= Q(loans__credit_uid=value)
        elif key is Key.NAME:
            match |= Q(folded_name__contains=value.casefold())
    return match


def search_borrowers(*, query: Query, page: int = 1) -> Page:
    """One page of the borrowers the query finds, oldest first, with their number of loans:
    two queries (the count and the page)."""
    matching = Borrower.objects.alias(folded_name=Casefold("full_name")).filter(_matching(query))
    found = (
        Borrower.objects.filter(pk__in=matching.values("pk"))
        .select_related("region")
        .annotate(loan_count=Count("loans"))
        .order_by("pk")
    )
    return Paginator(found, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class BorrowerPage:
    borrower: Borrower
    loans: list[Loan]
    credit_lines: list
    payments: list[IncomingPayment]
    documents: list[ContractDocument]
    messages: list[BorrowerMessage]
    scores: list[ScoreResult]
    reviews: list[ReviewTask]
    cases: list[CollectionCase]
    contacts: list[ContactAttempt]


def _latest(queryset: QuerySet, *order: str) -> list:
    return list(queryset.order_by(*order)[:LIST_LIMIT])


def borrower_page(*, borrower_id: int) -> BorrowerPage | None:
    """Everything the desk shows of one borrower: ten queries, the borrower and one per list."""
    borrower = Borrower.objects.select_related("region").filter(pk=borrower_id).first()
    if borrower is None:
        return None
    of_loans = Q(loan__borrower_id=borrower.pk)
    return BorrowerPage(
        borrower=borrower,
        loans=_latest(Loan.objects.filter(borrower=borrower).select_related("product"), "-pk"),
        # By the reverse name: the card's model may live in its own app.
        credit_lines=_latest(borrower.credit_lines.all(), "-pk"),
        payments=_latest(
            IncomingPayment.objects.filter(of_loans).only(
                "pk", "loan_id", "provider", "amount_kop", "business_date", "received_at"
            ),
            "-received_at",
            "-pk",
        ),
        documents=_latest(
            ContractDocument.objects.filter(of_loans).defer("html", "pdf", "terms"),
            "-created_at",
            "-pk",
        ),
        # Never the body: it may carry a one-time code.
        messages=_latest(
            BorrowerMessage.objects.filter(borrower=borrower).only(
                "pk", "kind", "status", "created_at", "sent_at"
            ),
            "-created_at",
            "-pk",
        ),
        scores=_latest(
            ScoreResult.objects.filter(of_loans)
            .select_related("model_version")
            .only(
                "pk",
                "loan_id",
                "decision",
                "method",
                "pd",
                "points",
                "approved_amount_kop",
                "requested_amount_kop",
                "business_date",
                "created_at",
                "model_version__kind",
                "model_version__version",
            ),
            "-created_at",
            "-pk",
        ),
        reviews=_latest(
            ReviewTask.objects.filter(of_loans)
            .select_related("decided_by")
            .only(
                "pk",
                "loan_id",
                "status",
                "verdict",
                "created_at",
                "decided_at",
                "approved_amount_kop",
                "decided_by__username",
            ),
            "-created_at",
            "-pk",
        ),
        cases=_latest(
            CollectionCase.objects.filter(borrower=borrower).select_related("collector"),
            "-opened_on",
            "-pk",
        ),
        contacts=_latest(
            ContactAttempt.objects.filter(borrower=borrower).only(
                "pk", "case_id", "channel", "outcome", "at", "actor_label"
            ),
            "-at",
            "-pk",
        ),
    )


# --- servicing ---------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50


def servicing_queue(*, page: int = 1) -> Page:
    """The proposals awaiting a second person, oldest first: two queries (count and page)."""
    pending = (
        ServicingAction.objects.filter(status=ActionStatus.PENDING)
        .select_related("proposed_by")
        .order_by("proposed_at", "pk")
    )
    return Paginator(pending, QUEUE_PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class LoanServicing:
    loan: Loan
    actions: list[ServicingAction]


def loan_servicing(*, loan_id: int) -> LoanServicing | None:
    """A loan with its product and the latest servicing actions on it: two queries."""
    loan = Loan.objects.select_related("product").filter(pk=loan_id).first()
    if loan is None:
        return None
    actions = ServicingAction.objects.filter(loan=loan).select_related("proposed_by", "decided_by")
    return LoanServicing(loan=loan, actions=_latest(actions, "-proposed_at", "-pk"))
