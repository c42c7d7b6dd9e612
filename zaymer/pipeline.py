"""The lifecycle across apps: score → route (an application is submitted by
zaymer.applications), and signing with the bureaus asked.

Scoring runs inside the application request while recent decisions are fast enough
(`SCORING_SYNC_BUDGET_MS`), otherwise as a django-q2 task. Either way `score_and_route` locks
the loan and checks its status, and ScoreResult is unique per loan and purpose, so a task
delivered twice scores and routes the loan once.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_q.tasks import async_task

from feedback.fast_path import accepted_offer, fast_path_offer
from loans import services as loan_services
from loans.business_date import current_business_date
from loans.debt_load import debt_load_note
from loans.errors import BureausUnavailable
from loans.models import Borrower, Loan, LoanStatus
from scoring import selectors as scoring_selectors
from scoring import services as scoring_services
from scoring.bureau import BureauUnavailable, ask_bureaus, ask_bureaus_at_signing
from scoring.models import Decision, ScoreResult
from scoring.selectors import existing_payments_kop
from underwriting import services as underwriting_services

log = logging.getLogger(__name__)


def sync_budget_ms() -> float:
    return float(getattr(settings, "SCORING_SYNC_BUDGET_MS", 1_000))


def scoring_is_fast_enough() -> bool:
    p95 = scoring_selectors.recent_latency_p95_ms()
    return p95 is None or p95 <= sync_budget_ms()


def enqueue_score_and_route(loan_id: int, channel: str = "web", card_token: str = "") -> None:
    async_task(
        "zaymer.pipeline.score_and_route_task",
        loan_id,
        channel,
        card_token,
        task_name=f"score-{loan_id}",
    )


def score_and_route_task(loan_id: int, channel: str = "web", card_token: str = "") -> str:
    return score_and_route(loan_id=loan_id, channel=channel, card_token=card_token).decision


def score_and_route(
    *, loan_id: int, channel: str = "web", card_token: str = ""
) -> ScoreResult | None:
    """Score an applied loan and route it; a repeat call finds it done and changes nothing."""
    loan = Loan.objects.select_related("borrower__region", "product").get(pk=loan_id)
    if loan.status != LoanStatus.APPLIED:
        return scoring_selectors.application_result(loan)
    # The bureaus are outside the transaction: a slow bureau must not hold the loan's lock.
    started = time.perf_counter()
    bureau = ask_bureaus(borrower=loan.borrower, as_of=current_business_date())
    bureau_ms = (time.perf_counter() - started) * 1000
    return _decide_and_route(
        loan_id=loan_id, bureau=bureau, channel=channel, bureau_ms=bureau_ms, card_token=card_token
    )


@transaction.atomic
def _decide_and_route(*, loan_id: int, bureau, channel: str, bureau_ms: float, card_token: str):
    loan = (
        Loan.objects.select_for_update()
        .select_related("borrower__region", "product")
        .get(pk=loan_id)
    )
    if loan.status != LoanStatus.APPLIED:
        log.info("loan %s is already %s; not scored again", loan_id, loan.status)
        return scoring_selectors.application_result(loan)
    result = scoring_services.score_application(
        loan=loan, bureau=bureau, channel=channel, bureau_ms=bureau_ms
    )
    reason = "; ".join(r["text"] for r in result.reasons) or result.decision
    if result.decision == Decision.APPROVE:
        offer = accepted_offer(loan=loan)
        loan = loan_services.loan_decide(
            loan=loan,
            decision="approve",
            amount_kop=result.approved_amount_kop,
            daily_rate_ppm=offer.daily_rate_ppm if offer else None,
            reason=f"scoring: {reason}",
        )
        debt_load_note(loan=loan, other_payments_kop=existing_payments_kop(result))
    elif result.decision == Decision.REFER and (
        offer := fast_path_offer(loan=loan, self_ban=bureau.self_ban)
    ):
        loan = loan_services.loan_decide(
            loan=loan,
            decision="approve",
            daily_rate_ppm=offer.daily_rate_ppm,
            reason=f"personal offer #{offer.pk}: nothing changed for the worse",
        )
        debt_load_note(loan=loan, other_payments_kop=existing_payments_kop(result))
    elif result.decision == Decision.REFER:
        loan = loan_services.loan_decide(loan=loan, decision="refer", reason=f"scoring: {reason}")
        underwriting_services.review_open(
            loan=loan,
            card_token=card_token,
            **scoring_selectors.review_facts(loan=loan, result=result, bureau=bureau),
        )
    else:
        loan_services.loan_decide(loan=loan, decision="decline", reason=f"scoring: {reason}")
    return result


def open_missing_reviews() -> int:
    """Give every application in review without a task its task (loans referred before the
    workspace existed, or by the demo's simulation); returns how many were opened."""
    opened = 0
    waiting = Loan.objects.filter(status=LoanStatus.IN_REVIEW, review_task__isnull=True)
    for loan in waiting.select_related("borrower", "product").order_by("applied_at"):
        result = scoring_selectors.application_result(loan)
        repeat = Loan.objects.filter(borrower_id=loan.borrower_id, status=LoanStatus.CLOSED)
        last_refer = loan.transitions.filter(transition="refer").order_by("-at").first()
        underwriting_services.review_open(
            loan=loan,
            segment=result.segment if result else ("repeat" if repeat.exists() else "new"),
            robot_limit_kop=(result and result.approved_amount_kop) or loan.requested_amount_kop,
            pd=result.pd if result else None,
            points=result.points if result else None,
            reasons=result.reasons
            if result
            else [{"code": "REFERRED", "text": last_refer.reason if last_refer else ""}],
            model_label=str(result.model_version) if result and result.model_version_id else "",
            existing_payments_kop=existing_payments_kop(result),
        )
        opened += 1
    return opened


# --- signing: the bureaus asked again when their answer is stale ---------------------------


def ensure_bureau_answer(*, loan: Loan) -> bool:
    """Before a loan is signed: ask every bureau for the self-ban and the borrower's other
    loans when the last answer is missing or older than `SIGNING_BUREAU_MAX_AGE_HOURS`
    (the application's own scoring answer counts while it is that recent). Called outside any
    lock on the loan: a slow bureau must not hold it. Returns whether the bureaus were asked.

    If a bureau does not answer, signing is refused (BureausUnavailable): retry later."""
    borrower = Borrower.objects.get(pk=loan.borrower_id)
    if loan_services.bureau_answer_is_fresh(borrower=borrower):
        return False
    try:
        answer = ask_bureaus_at_signing(borrower=borrower, as_of=current_business_date())
    except BureauUnavailable as exc:
        log.warning("bureaus unavailable at signing of loan %s: %s", loan.pk, exc)
        raise BureausUnavailable(
            f"The credit bureaus did not answer ({exc.bureau}: {exc.reason}); the loan cannot "
            "be signed unchecked. Retry later."
        ) from exc
    loan_services.borrower_record_self_ban(
        borrower=borrower,
        active=answer.self_ban,
        checked_at=answer.received_at,
        high_psk_loans=answer.open_high_psk_loans,
    )
    return True


def sign_offer(*, loan: Loan, actor: AbstractBaseUser | None = None) -> Loan:
    """Sign an approved offer: the bureaus first (if their answer is stale), then the loan."""
    ensure_bureau_answer(loan=loan)
    return loan_services.loan_sign(loan=loan, actor=actor)
