"""The borrower's profile (KYC fields), and the passports held for staff review.

A profile that names a passport another borrower holds is not refused: a refusal would tell
anyone who tries passports one after another which of them belong to clients. The rest of the
profile is saved, the passport goes to a PassportReview for staff, and the borrower sees the
profile as sent (`profile_shown`). The account cannot apply until staff close the review; the
refusal then is the generic `profile_under_review`, after a profile update (throttled per
account and address), consents, a payout method and an application (throttled per account).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from clientapi.models import ClientAccount, PassportReview, PassportReviewStatus
from kernel.errors import DomainError
from loans.models import Borrower, Region

PROFILE_FIELDS = (
    "full_name",
    "birth_date",
    "email",
    "passport_series",
    "passport_number",
    "employment",
    "declared_income_kop",
)
PASSPORT_FIELDS = ("passport_series", "passport_number")


def _as_json(data: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


@transaction.atomic
def profile_save(*, account: ClientAccount, data: dict) -> Borrower:
    """Create the borrower from the KYC fields or update them; a passport another borrower
    holds waits for staff review instead. Returns the profile as the borrower sees it."""
    account = ClientAccount.objects.select_for_update().get(pk=account.pk)
    region = Region.objects.filter(code=data["region"]).first()
    if region is None:
        raise DomainError("Unknown region", code="invalid", field="region")
    borrower = account.borrower or Borrower(phone=account.phone)
    if Borrower.objects.filter(phone=account.phone).exclude(pk=borrower.pk).exists():
        raise DomainError("Phone already registered", code="duplicate_phone", field="phone")
    holder = (
        Borrower.objects.filter(
            passport_series=data["passport_series"], passport_number=data["passport_number"]
        )
        .exclude(pk=borrower.pk)
        .first()
    )
    pending = account.passport_reviews.filter(status=PassportReviewStatus.PENDING)
    fields = PROFILE_FIELDS
    if holder is not None:
        _review_open(account=account, holder=holder, data=data, pending=pending.first())
        fields = tuple(f for f in PROFILE_FIELDS if f not in PASSPORT_FIELDS)
    else:
        # A passport of one's own settles an open review.
        pending.update(status=PassportReviewStatus.CLOSED, closed_at=timezone.now())
    for field in fields:
        if field in data:
            setattr(borrower, field, data[field])
    borrower.region = region
    borrower.time_zone = region.time_zone
    if borrower.pk or holder is None:
        # A new borrower whose passport is under review has none to be saved with.
        borrower.save()
    if borrower.pk and account.borrower_id != borrower.pk:
        account.borrower = borrower
        account.save(update_fields=["borrower"])
    return profile_shown(account=account, borrower=borrower)


def _review_open(
    *, account: ClientAccount, holder: Borrower, data: dict, pending: PassportReview | None
) -> None:
    review = pending or PassportReview(account=account)
    review.holder = holder
    review.passport_series = data["passport_series"]
    review.passport_number = data["passport_number"]
    review.profile = _as_json(data)
    review.save()


def profile_shown(*, account: ClientAccount, borrower: Borrower | None = None) -> Borrower | None:
    """The profile as the borrower sees it: with a pending review, the profile they sent
    (never saved as such), so that the answer does not depend on who holds the passport."""
    borrower = borrower or account.borrower
    review = account.passport_reviews.filter(status=PassportReviewStatus.PENDING).first()
    if review is None:
        return borrower
    shown = Borrower(phone=account.phone)
    if borrower is not None:
        for field in (*PROFILE_FIELDS, "region_id", "time_zone", "created_at", "updated_at"):
            setattr(shown, field, getattr(borrower, field))
    for field in PROFILE_FIELDS:
        if field in review.profile:
            value = review.profile[field]
            setattr(shown, field, date.fromisoformat(value) if field == "birth_date" else value)
    shown.region = Region.objects.filter(code=review.profile.get("region")).first()
    shown.created_at = shown.created_at or review.created_at
    shown.updated_at = review.updated_at
    return shown


def passport_review_pending(*, account: ClientAccount) -> bool:
    return account.passport_reviews.filter(status=PassportReviewStatus.PENDING).exists()


@transaction.atomic
def passport_review_close(*, review: PassportReview) -> PassportReview:
    """Staff have looked: the account may apply again with the passport it has on file."""
    review = PassportReview.objects.select_for_update().get(pk=review.pk)
    if review.status == PassportReviewStatus.PENDING:
        review.status = PassportReviewStatus.CLOSED
        review.closed_at = timezone.now()
        review.save(update_fields=["status", "closed_at"])
    return review
