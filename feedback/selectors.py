"""Reads of feedback: satisfaction figures for dashboards, loyalty, the borrower's own rows."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404

from feedback.history import worst_days_past_due
from feedback.models import (
    DETRACTOR_MAX,
    PROMOTER_MIN,
    SATISFIED_MIN,
    LoyaltyTier,
    OfferStatus,
    PersonalOffer,
    Survey,
)
from loans.business_date import current_business_date
from loans.models import Borrower, Loan, LoanStatus

# dimension → the expression answers are grouped by
DIMENSIONS = {
    "month": TruncMonth("answered_at"),
    "product": F("product__code"),
    "segment": F("repeat"),
    "repayment": F("repayment"),
}
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Satisfaction:
    """NPS and CSAT of one group of answers, with the counts behind them."""

    key: str
    answers: int
    promoters: int
    detractors: int
    satisfied: int

    @property
    def nps(self) -> Decimal | None:
        """% promoters (9–10) − % detractors (0–6), one decimal."""
        return _percent(self.promoters - self.detractors, self.answers)

    @property
    def csat(self) -> Decimal | None:
        """% of answers rating 4 or 5, one decimal."""
        return _percent(self.satisfied, self.answers)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part * 100) / whole).quantize(ONE_DECIMAL, rounding=ROUND_HALF_EVEN)


def answered_surveys(*, since: date | None = None, until: date | None = None) -> QuerySet[Survey]:
    answers = Survey.objects.filter(answered_at__isnull=False)
    if since is not None:
        answers = answers.filter(answered_at__date__gte=since)
    if until is not None:
        answers = answers.filter(answered_at__date__lte=until)
    return answers


def _key(dimension: str, value) -> str:
    if dimension == "month":
        return value.strftime("%Y-%m")
    if dimension == "segment":
        return "repeat" if value else "new"
    return str(value)


def satisfaction_by(
    *, dimension: str, since: date | None = None, until: date | None = None
) -> list[Satisfaction]:
    """NPS and CSAT per month, product, segment (new/repeat) or repayment (on time, late,
    after collection) of answers given between `since` and `until`; aggregated in SQL."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"Unknown dimension {dimension!r}; one of {', '.join(DIMENSIONS)}")
    rows = (
        answered_surveys(since=since, until=until)
        .annotate(group=DIMENSIONS[dimension])
        .values("group")
        .annotate(**_counts())
        .order_by("group")
    )
    return [
        Satisfaction(key=_key(dimension, row.pop("group")), **row)
        for row in rows
        if row["group"] is not None
    ]


def satisfaction_total(*, since: date | None = None, until: date | None = None) -> Satisfaction:
    counts = answered_surveys(since=since, until=until).aggregate(**_counts())
    return Satisfaction(key="all", **counts)


def _counts() -> dict:
    return {
        "answers": Count("id"),
        "promoters": Count("id", filter=Q(nps__gte=PROMOTER_MIN)),
        "detractors": Count("id", filter=Q(nps__lte=DETRACTOR_MAX)),
        "satisfied": Count("id", filter=Q(csat__gte=SATISFIED_MIN)),
    }


def answers_search(*, text: str, limit: int = 100) -> QuerySet[Survey]:
    """Answers whose free text contains `text` (any case), newest first."""
    return (
        answered_surveys()
        .filter(text__icontains=text)
        .select_related("product", "borrower")
        .order_by("-answered_at", "-id")[:limit]
    )


# --- loyalty -------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    loans_repaid: int
    on_time_percent: int
    max_days_past_due: int
    tenure_days: int


def borrower_history(*, borrower: Borrower, on: date | None = None) -> History:
    """What the tier rules look at, from the borrower's signed loans and their transitions."""
    on = on or current_business_date()
    loans = list(
        Loan.objects.filter(borrower=borrower, signed_on__isnull=False).values_list(
            "pk", "status", "signed_on"
        )
    )
    worst = worst_days_past_due(loan_ids=[pk for pk, _status, _signed in loans], on=on)
    repaid = [pk for pk, status, _signed in loans if status == LoanStatus.CLOSED]
    on_time = sum(1 for pk in repaid if pk not in worst)
    return History(
        loans_repaid=len(repaid),
        # Rounded down: a tier asking for 100 % admits no late loan at all.
        on_time_percent=on_time * 100 // len(repaid) if repaid else 0,
        max_days_past_due=max(worst.values(), default=0),
        tenure_days=(on - min(signed for _pk, _status, signed in loans)).days if loans else 0,
    )


def tier_for(*, history: History) -> LoyaltyTier | None:
    """The highest-ranked active tier whose every threshold the history meets."""
    return (
        LoyaltyTier.objects.filter(
            is_active=True,
            min_loans_repaid__lte=history.loans_repaid,
            min_on_time_percent__lte=history.on_time_percent,
            max_days_past_due__gte=history.max_days_past_due,
            min_tenure_days__lte=history.tenure_days,
        )
        .order_by("-rank")
        .first()
    )


def loyalty_tier(*, borrower: Borrower) -> LoyaltyTier | None:
    return tier_for(history=borrower_history(borrower=borrower))


# --- the borrower's own rows (API) ---------------------------------------------------------


def borrower_open_surveys(*, borrower: Borrower | None) -> QuerySet[Survey]:
    if borrower is None:
        return Survey.objects.none()
    return Survey.objects.filter(borrower=borrower, answered_at__isnull=True).order_by("-id")


def borrower_survey(*, borrower: Borrower | None, pk) -> Survey:
    """The borrower's own survey; any other id is simply not found."""
    survey = (
        Survey.objects.filter(borrower=borrower, pk=pk).first()
        if borrower is not None and str(pk).isdigit()
        else None
    )
    if survey is None:
        raise Http404
    return survey


def borrower_offers(*, borrower: Borrower | None, on: date | None = None) -> QuerySet:
    """Offers the borrower can accept today."""
    if borrower is None:
        return PersonalOffer.objects.none()
    return (
        PersonalOffer.objects.filter(
            borrower=borrower,
            status=OfferStatus.ACTIVE,
            valid_until__gte=on or current_business_date(),
        )
        .select_related("product", "tier")
        .order_by("-id")
    )


def borrower_offer(*, borrower: Borrower | None, pk) -> PersonalOffer:
    """The borrower's own offer in any state; any other id is simply not found."""
    offer = (
        PersonalOffer.objects.filter(borrower=borrower, pk=pk).select_related("product").first()
        if borrower is not None and str(pk).isdigit()
        else None
    )
    if offer is None:
        raise Http404
    return offer
