"""Submitting an application: one transaction from the request to the robot's answer.

The application, the robot's decision and routing and, for the borrower API, the request
record commit together or not at all: a failure anywhere leaves no half-made loan behind (an
application scored but without its request record could never be signed). The bureaus are
asked inside that transaction when scoring runs at once; the loan is not visible to anyone
else until it commits, and scoring runs at once only while it is fast
(`pipeline.scoring_is_fast_enough`), otherwise the task is enqueued when the transaction commits.
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction

from clientapi.models import ClientAccount, LoanRequest
from clientapi.services import applications as application_services
from feedback import services as feedback_services
from feedback.models import PersonalOffer
from kernel.errors import DomainError
from loans import services as loan_services
from loans.models import Borrower, Loan, Product
from zaymer import pipeline

log = logging.getLogger(__name__)


class ApplicationNotDecided(DomainError):
    """Scoring or routing failed: the application was not kept, the borrower may retry."""

    code = "application_not_decided"


@transaction.atomic
def submit_application(
    *,
    borrower: Borrower,
    product: Product,
    amount_kop: int,
    term_days: int,
    first_period_days: int | None = None,
    channel: str = "web",
    card_token: str = "",
    actor: AbstractBaseUser | None = None,
    offer: PersonalOffer | None = None,
) -> Loan:
    """Apply and, while scoring is fast, score and route in the same transaction."""
    loan = loan_services.loan_apply(
        borrower=borrower,
        product=product,
        amount_kop=amount_kop,
        term_days=term_days,
        first_period_days=first_period_days,
        actor=actor,
    )
    if offer is not None:  # a refused offer leaves no application behind
        feedback_services.offer_accept(offer=offer, loan=loan)
    if pipeline.scoring_is_fast_enough():
        try:
            pipeline.score_and_route(loan_id=loan.pk, channel=channel, card_token=card_token)
        except (DomainError, DatabaseError):
            raise
        except Exception as exc:
            # Raised out of the transaction, so the application goes with it.
            log.exception("scoring or routing of application %s failed", loan.pk)
            raise ApplicationNotDecided(
                "Scoring or routing failed; the application was not kept"
            ) from exc
    else:
        loan_id = loan.pk
        transaction.on_commit(
            lambda: pipeline.enqueue_score_and_route(loan_id, channel, card_token)
        )
    return Loan.objects.select_related("product").get(pk=loan.pk)


@transaction.atomic
def submit_borrower_application(
    *,
    account: ClientAccount,
    product: Product,
    amount_kop: int,
    term_days: int,
    payout_method_id: int,
    offer: PersonalOffer | None = None,
    first_period_days: int | None = None,
) -> Loan:
    """An application made through the borrower API, with where its money is to go."""
    borrower, destination = application_services.application_preflight(
        account=account, destination_id=payout_method_id
    )
    loan = submit_application(
        borrower=borrower,
        product=product,
        amount_kop=amount_kop,
        term_days=term_days,
        first_period_days=first_period_days,
        channel="app",
        card_token=destination.card_token,
        offer=offer,
    )
    LoanRequest.objects.create(loan=loan, account=account, payout_destination=destination)
    return loan
