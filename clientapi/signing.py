"""Limits on signing an offer with a one-time code.

A six-digit code allows five guesses, and each new code five more: without limits a patient
guesser signs someone else's offer. So:

- codes sent for one loan and to one phone are counted per hour and per day
  (SIGNING_CODES_PER_LOAN, SIGNING_CODES_PER_PHONE): beyond them sign-code answers 429;
- wrong codes are counted per loan across all its codes (SIGNING_WRONG_CODES_PER_LOAN): the
  last one pauses signing for SIGNING_LOCK_MINUTES (423, no new codes either), the borrower is
  told by SMS and staff see the pause on the application (admin, the dossier).

Refusals carry the seconds to wait (Retry-After and the message).
"""

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from clientapi.models import ClientAccount, CodePurpose, LoanRequest, OneTimeCode
from clientapi.refusals import SigningCodesLimited, SigningPaused
from loans.messaging import message_enqueue
from loans.models import Loan

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
LOCKED_KIND = "signing_locked"


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _locked(request: LoanRequest | None, now: datetime) -> SigningPaused | None:
    if request is None or request.signing_locked_until is None:
        return None
    if request.signing_locked_until <= now:
        return None
    return SigningPaused(
        "Signing is paused after wrong codes",
        retry_after=_seconds_until(request.signing_locked_until, now),
    )


def signing_lock_check(*, loan: Loan) -> None:
    """Refuse (423) while signing the offer is paused."""
    refusal = _locked(LoanRequest.objects.filter(loan=loan).first(), timezone.now())
    if refusal is not None:
        raise refusal


def _count(condition: Q, since: datetime) -> Count:
    return Count("pk", filter=condition & Q(created_at__gt=since))


def signing_code_allowed(*, account: ClientAccount, loan: Loan) -> None:
    """Refuse a new signing code while signing is paused or too many were sent.

    Called inside the transaction that sends the code, with the offer's request row locked so
    that two requests at once cannot both take the offer's last code. One statement counts the
    codes of every window.
    """
    now = timezone.now()
    request = LoanRequest.objects.select_for_update().filter(loan=loan).first()
    refusal = _locked(request, now)
    if refusal is not None:
        raise refusal
    limits = {
        ("loan", window): (Q(loan=loan), limit)
        for window, limit in settings.SIGNING_CODES_PER_LOAN.items()
    } | {
        ("phone", window): (Q(phone=account.phone), limit)
        for window, limit in settings.SIGNING_CODES_PER_PHONE.items()
    }
    codes = OneTimeCode.objects.filter(purpose=CodePurpose.SIGN_OFFER)
    sent = codes.aggregate(
        **{
            f"{who}_{window}": _count(condition, now - WINDOWS[window])
            for (who, window), (condition, _) in limits.items()
        }
    )
    for (who, window), (condition, limit) in limits.items():
        if sent[f"{who}_{window}"] >= limit:
            raise _codes_refusal(codes.filter(condition), limit, window, now)


def _codes_refusal(codes, limit: int, window: str, now: datetime) -> SigningCodesLimited:
    """429 until the oldest of the last `limit` codes leaves the window."""
    since = now - WINDOWS[window]
    recent = codes.filter(created_at__gt=since).order_by("-created_at")
    oldest = recent.values_list("created_at", flat=True)[max(limit, 1) - 1 : max(limit, 1)]
    leaves = (oldest[0] if oldest else now) + WINDOWS[window]
    return SigningCodesLimited(
        f"Too many signing codes this {window}", retry_after=_seconds_until(leaves, now)
    )


@transaction.atomic
def signing_failure_record(*, account: ClientAccount, loan: Loan) -> int | None:
    """Count a wrong code on the offer. The one that reaches the limit pauses signing, voids the
    live code and tells the borrower; it returns the seconds of the pause (else None).

    It commits on its own: the caller refuses the request afterwards.
    """
    request = LoanRequest.objects.select_for_update().filter(loan=loan).first()
    if request is None:
        return None
    now = timezone.now()
    request.signing_failures += 1
    if request.signing_failures < settings.SIGNING_WRONG_CODES_PER_LOAN:
        request.save(update_fields=["signing_failures"])
        return None
    pause = timedelta(minutes=settings.SIGNING_LOCK_MINUTES)
    request.signing_failures = 0
    request.signing_locks += 1
    request.signing_locked_until = now + pause
    request.save(update_fields=["signing_failures", "signing_locks", "signing_locked_until"])
    OneTimeCode.objects.filter(loan=loan, purpose=CodePurpose.SIGN_OFFER, used_at=None).update(
        used_at=now
    )
    minutes = settings.SIGNING_LOCK_MINUTES
    message_enqueue(
        borrower=loan.borrower,
        phone=account.phone,
        kind=LOCKED_KIND,
        body=(
            f"Подписание договора займа №{loan.pk} приостановлено на {minutes} мин.: "
            "несколько раз введён неверный код. Если это были не вы, позвоните нам."
        ),
    )
    return _seconds_until(request.signing_locked_until, now)
