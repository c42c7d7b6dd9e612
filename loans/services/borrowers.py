"""What the credit bureaus said about a borrower: the self-ban and how fresh the answer is."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from loans.models import Borrower


@transaction.atomic
def borrower_record_self_ban(
    *, borrower: Borrower, active: bool, checked_at: datetime, high_psk_loans: int | None = None
) -> None:
    """Record what the credit bureaus said about the borrower's self-ban (самозапрет) and, when
    given, how many outstanding loans with a high ПСК they know of (545-FZ).

    An answer older than the one on record changes nothing: of two applications scored at
    once, the earlier bureau answer must not overwrite the later one. The history keeps the
    self-ban being reported and lifted, not every check that finds it unchanged (nor absent).
    """
    not_older = Q(self_ban_checked_at__isnull=True) | Q(self_ban_checked_at__lte=checked_at)
    unchanged = Q(self_ban_active=True) if active else ~Q(self_ban_active=True)
    values = {"self_ban_active": active, "self_ban_checked_at": checked_at}
    if high_psk_loans is not None:
        values["bureau_high_psk_loans"] = high_psk_loans
    # Nearly every check finds the flag as it was: one UPDATE, decided by the row itself.
    if Borrower.objects.filter(not_older, unchanged, pk=borrower.pk).update(
        **values, updated_at=timezone.now()
    ):
        return
    borrower = Borrower.objects.select_for_update().get(pk=borrower.pk)
    if borrower.self_ban_checked_at is not None and borrower.self_ban_checked_at > checked_at:
        return
    flipped = bool(borrower.self_ban_active) != active
    for name, value in values.items():
        setattr(borrower, name, value)
    fields = [*values, "updated_at"]
    if flipped:
        reason = f"credit bureaus: self-ban {'reported' if active else 'lifted'}"
        borrower._change_reason = reason  # type: ignore[attr-defined]  # simple_history's
        borrower.save(update_fields=fields)
    else:  # another check wrote this same answer meanwhile
        borrower.save_without_historical_record(update_fields=fields)  # type: ignore[attr-defined]


def bureau_answer_max_age() -> timedelta:
    """How old the bureaus' last answer may be when a loan is signed (setting, hours)."""
    return timedelta(hours=float(getattr(settings, "SIGNING_BUREAU_MAX_AGE_HOURS", 4)))


def bureau_answer_is_fresh(*, borrower: Borrower, now: datetime | None = None) -> bool:
    """Did the bureaus answer about this borrower recently enough to sign without asking?"""
    checked_at = borrower.self_ban_checked_at
    if checked_at is None or borrower.bureau_high_psk_loans is None:
        return False
    return (now or timezone.now()) - checked_at <= bureau_answer_max_age()
