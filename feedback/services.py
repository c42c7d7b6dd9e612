"""Every write of feedback: surveys and their answers, follow-ups, loyalty, personal offers."""

from datetime import date, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from cards.models import CreditLineStatus
from cards.services import credit_line_open
from cards.terms import PSK_CATEGORY
from feedback import selectors
from feedback.errors import OfferNotAvailable, SurveyAlreadyAnswered
from feedback.history import COLLECTION_DAYS, worst_days_past_due
from feedback.models import (
    CSAT_MAX,
    CSAT_MIN,
    DETRACTOR_MAX,
    NPS_MAX,
    FollowUpStatus,
    FollowUpTask,
    LoyaltySnapshot,
    LoyaltyTier,
    OfferKind,
    OfferStatus,
    PersonalOffer,
    Repayment,
    Stage,
    Survey,
)
from loans.business_date import current_business_date
from loans.errors import DomainError, InvalidAmount
from loans.messaging import message_enqueue
from loans.models import Borrower, Loan, LoanStatus
from loans.regulation import limits_for_contract

SURVEY_INVITE_KIND = "survey_invite"
# Statuses in which a borrower's loan is neither finished nor refused: no offer meanwhile.
OPEN_LOAN_STATUSES = (
    LoanStatus.APPLIED,
    LoanStatus.SCORED,
    LoanStatus.IN_REVIEW,
    LoanStatus.APPROVED,
    LoanStatus.DISBURSED,
    LoanStatus.SERVICED,
    LoanStatus.OVERDUE,
)


# --- surveys -------------------------------------------------------------------------------


def _repayment(worst_dpd: int | None) -> str:
    if worst_dpd is None:
        return Repayment.ON_TIME
    return Repayment.AFTER_COLLECTION if worst_dpd >= COLLECTION_DAYS else Repayment.LATE


@transaction.atomic
def surveys_offer(*, on: date) -> int:
    """Offer a survey for every loan closed on `on` that has none; returns how many.

    A second run finds the surveys made and offers nothing; a concurrent one fails on the
    unique loan and rolls back whole, its messages with it.
    """
    closed = list(
        Loan.objects.filter(status=LoanStatus.CLOSED, closed_on=on, survey__isnull=True)
        .select_related("borrower")
        .order_by("pk")
    )
    if not closed:
        return 0
    worst = worst_days_past_due(loan_ids=[loan.pk for loan in closed], on=on)
    earlier_closed = {}
    for borrower_id, pk in Loan.objects.filter(
        borrower_id__in={loan.borrower_id for loan in closed}, status=LoanStatus.CLOSED
    ).values_list("borrower_id", "pk"):
        earlier_closed[borrower_id] = min(pk, earlier_closed.get(borrower_id, pk))
    surveys = Survey.objects.bulk_create(
        Survey(
            loan=loan,
            borrower=loan.borrower,
            product_id=loan.product_id,
            repeat=earlier_closed[loan.borrower_id] < loan.pk,
            repayment=_repayment(worst.get(loan.pk)),
            offered_on=on,
        )
        for loan in closed
    )
    for survey in surveys:
        message_enqueue(
            borrower=survey.borrower,
            phone=survey.borrower.phone,
            kind=SURVEY_INVITE_KIND,
            body=(
                f"Займ №{survey.loan_id} погашен, спасибо! Оцените нас в приложении: "
                "это займёт минуту."
            ),
        )
    return len(surveys)


@transaction.atomic
def survey_answer(*, survey: Survey, nps: int, csat: int, stage: str, text: str = "") -> Survey:
    """Record the one answer a survey takes; a detractor's answer opens a follow-up."""
    if not 0 <= nps <= NPS_MAX:
        raise DomainError(f"NPS is 0 to {NPS_MAX}", code="invalid_nps", field="nps")
    if not CSAT_MIN <= csat <= CSAT_MAX:
        raise DomainError(f"CSAT is {CSAT_MIN} to {CSAT_MAX}", code="invalid_csat", field="csat")
    if stage not in Stage.values:
        raise DomainError("Unknown stage", code="invalid_stage", field="stage")
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.answered_at is not None:
        raise SurveyAlreadyAnswered("This survey has already been answered")
    survey.nps, survey.csat, survey.stage, survey.text = nps, csat, stage, text.strip()
    survey.answered_at = timezone.now()
    survey.save(update_fields=["nps", "csat", "stage", "text", "answered_at"])
    if nps <= DETRACTOR_MAX:
        FollowUpTask.objects.create(survey=survey)
    return survey


@transaction.atomic
def follow_up_done(*, task: FollowUpTask, actor: AbstractBaseUser, note: str = "") -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status == FollowUpStatus.DONE:
        return task
    task.status = FollowUpStatus.DONE
    task.done_at = timezone.now()
    task.assignee = task.assignee or actor
    if note:
        task.note = f"{task.note}\n{note}".strip()
    task._history_user = actor
    task.save(update_fields=["status", "done_at", "assignee", "note"])
    return task


# --- loyalty -------------------------------------------------------------------------------


@transaction.atomic
def loyalty_refresh(*, borrower: Borrower, on: date | None = None) -> LoyaltySnapshot:
    """Recompute the borrower's history and tier and store them."""
    on = on or current_business_date()
    history = selectors.borrower_history(borrower=borrower, on=on)
    snapshot, _created = LoyaltySnapshot.objects.update_or_create(
        borrower=borrower,
        defaults={
            "tier": selectors.tier_for(history=history),
            "loans_repaid": history.loans_repaid,
            "on_time_percent": history.on_time_percent,
            "max_days_past_due": history.max_days_past_due,
            "tenure_days": history.tenure_days,
            "computed_on": on,
        },
    )
    return snapshot


# --- personal offers -----------------------------------------------------------------------


@transaction.atomic
def offers_generate(*, borrower: Borrower, on: date | None = None) -> PersonalOffer | None:
    """Refresh the borrower's tier and replace their active offer with what the tier gives
    today; None (and the old offer withdrawn) when it gives nothing."""
    on = on or current_business_date()
    # One generation per borrower at a time: the active offer is unique per borrower.
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    PersonalOffer.objects.filter(borrower=borrower, status=OfferStatus.ACTIVE).update(
        status=OfferStatus.WITHDRAWN
    )
    snapshot = loyalty_refresh(borrower=borrower, on=on)
    tier = snapshot.tier
    if tier is None or borrower.self_ban_active:
        return None
    if borrower.loans.filter(status__in=OPEN_LOAN_STATUSES).exists():
        return None
    _offer_credit_line(borrower=borrower, tier=tier, snapshot=snapshot, on=on)
    if tier.offer_amount_limit_kop is None:
        return None
    product = tier.offer_product
    if product is None:
        last = borrower.loans.filter(status=LoanStatus.CLOSED).order_by("-closed_on", "-pk")
        product = last.first().product
    if not product.is_active:
        return None
    amount = min(tier.offer_amount_limit_kop, product.max_amount_kop)
    cap = limits_for_contract(signed_on=on, category=product.kind).max_daily_rate_ppm
    rate = min(product.daily_rate_ppm - tier.offer_rate_discount_ppm, cap)
    if amount < product.min_amount_kop or rate <= 0:
        return None
    return PersonalOffer.objects.create(
        borrower=borrower,
        product=product,
        tier=tier,
        amount_limit_kop=amount,
        daily_rate_ppm=rate,
        valid_until=on + timedelta(days=tier.offer_valid_days),
        reason=_reason(tier, snapshot),
        created_on=on,
    )


def _reason(tier: LoyaltyTier, snapshot: LoyaltySnapshot) -> str:
    return (
        f"{tier.name}: {snapshot.loans_repaid} repaid, {snapshot.on_time_percent} % on time, "
        f"worst {snapshot.max_days_past_due} days past due"
    )


def _offer_credit_line(
    *, borrower: Borrower, tier: LoyaltyTier, snapshot: LoyaltySnapshot, on: date
) -> PersonalOffer | None:
    """The virtual card for a tier that gives one, unless the borrower already has a card."""
    if tier.credit_line_limit_kop is None or tier.credit_line_daily_rate_ppm is None:
        return None
    if borrower.credit_lines.exclude(status=CreditLineStatus.CLOSED).exists():
        return None
    cap = limits_for_contract(signed_on=on, category=PSK_CATEGORY).max_daily_rate_ppm
    return PersonalOffer.objects.create(
        borrower=borrower,
        kind=OfferKind.CREDIT_LINE,
        tier=tier,
        amount_limit_kop=tier.credit_line_limit_kop,
        daily_rate_ppm=min(tier.credit_line_daily_rate_ppm, cap),
        valid_until=on + timedelta(days=tier.offer_valid_days),
        reason=_reason(tier, snapshot),
        created_on=on,
    )


@transaction.atomic
def offers_expire(*, on: date) -> list[int]:
    """Expire the active offers whose last day was before `on`; returns their borrowers."""
    expiring = PersonalOffer.objects.filter(status=OfferStatus.ACTIVE, valid_until__lt=on)
    borrower_ids = list(expiring.values_list("borrower_id", flat=True))
    expiring.update(status=OfferStatus.EXPIRED)
    return borrower_ids


def offers_daily(*, on: date) -> int:
    """The daily schedule: expire old offers, then make new ones for the borrowers who
    repaid a loan on `on` or whose offer just expired; returns how many were made."""
    borrower_ids = set(offers_expire(on=on))
    borrower_ids.update(
        Loan.objects.filter(status=LoanStatus.CLOSED, closed_on=on).values_list(
            "borrower_id", flat=True
        )
    )
    offers = [
        offers_generate(borrower=borrower, on=on)
        for borrower in Borrower.objects.filter(pk__in=borrower_ids).order_by("pk")
    ]
    return sum(1 for offer in offers if offer is not None)


@transaction.atomic
def offer_accept(*, offer: PersonalOffer, loan: Loan) -> PersonalOffer:
    """The offer becomes this application: refused unless it is active, still valid today,
    the borrower's, for its product, and the amount within its limit."""
    offer = PersonalOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != OfferStatus.ACTIVE or offer.valid_until < current_business_date():
        raise OfferNotAvailable("The offer is no longer available")
    if offer.kind != OfferKind.LOAN:
        raise OfferNotAvailable("This offer opens a virtual card, not a loan")
    if loan.borrower_id != offer.borrower_id or loan.product_id != offer.product_id:
        raise OfferNotAvailable("The application does not match the offer")
    if loan.requested_amount_kop > offer.amount_limit_kop:
        raise InvalidAmount(
            f"The offer is for at most {offer.amount_limit_kop} kopecks", field="amount_kop"
        )
    offer.status = OfferStatus.ACCEPTED
    offer.loan = loan
    offer.accepted_at = timezone.now()
    offer.save(update_fields=["status", "loan", "accepted_at"])
    return offer


@transaction.atomic
def offer_accept_credit_line(
    *, offer: PersonalOffer, borrower: Borrower, actor: AbstractBaseUser | None = None
) -> PersonalOffer:
    """Open the virtual card a card offer gives: refused unless the offer is a card offer,
    active, still valid today and the borrower's own. The caps of the day still apply."""
    offer = PersonalOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.kind != OfferKind.CREDIT_LINE:
        raise OfferNotAvailable("This offer is for a loan, not a virtual card")
    if offer.status != OfferStatus.ACTIVE or offer.valid_until < current_business_date():
        raise OfferNotAvailable("The offer is no longer available")
    if offer.borrower_id != borrower.pk:
        raise OfferNotAvailable("The offer is for another borrower")
    line = credit_line_open(
        borrower=borrower,
        limit_kop=offer.amount_limit_kop,
        daily_rate_ppm=offer.daily_rate_ppm,
        actor=actor,
    )
    offer.status = OfferStatus.ACCEPTED
    offer.credit_line = line
    offer.accepted_at = timezone.now()
    offer.save(update_fields=["status", "credit_line", "accepted_at"])
    return offer
