"""Signing in with a code, the borrower's bearer tokens and the staff's tokens: only the
hashes of their keys are kept."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from clientapi.models import ApiToken, ClientAccount, CodePurpose, StaffToken
from clientapi.services.codes import code_consume
from loans.errors import DomainError
from loans.models import Borrower

TOKEN_TTL = timedelta(days=30)


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def sign_in(*, phone: str, code: str) -> tuple[ClientAccount, str]:
    """Check the code and issue a bearer token; the first sign-in creates the account."""
    code_consume(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)
    return _issue_token(phone=phone)


@transaction.atomic
def _issue_token(*, phone: str) -> tuple[ClientAccount, str]:
    account, _ = ClientAccount.objects.get_or_create(phone=phone)
    if account.borrower_id is None:
        # Someone staff registered by phone signs in for the first time.
        borrower = Borrower.objects.filter(phone=phone).first()
        if borrower is not None and not hasattr(borrower, "client_account"):
            account.borrower = borrower
            account.save(update_fields=["borrower"])
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        account=account, key_hash=_token_hash(key), expires_at=timezone.now() + TOKEN_TTL
    )
    return account, key


def token_account(*, key: str) -> ClientAccount | None:
    token = (
        ApiToken.objects.select_related("account__borrower")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    return token.account if token else None


@transaction.atomic
def token_revoke(*, key: str) -> None:
    ApiToken.objects.filter(key_hash=_token_hash(key)).update(revoked_at=timezone.now())


def staff_token_user(*, key: str):
    """The active staff user a staff token belongs to, or None."""
    token = (
        StaffToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active or not token.user.is_staff:
        return None
    return token.user


@transaction.atomic
def staff_token_issue(*, user, days: int, label: str = "") -> tuple[StaffToken, str]:
    """A new staff token; the key is returned once and only its hash is kept."""
    if not user.is_active or not user.is_staff:
        raise DomainError("Only an active staff user gets a staff token", code="not_staff")
    if not 1 <= days <= 365:
        raise DomainError("A staff token lasts 1 to 365 days", code="invalid", field="days")
    key = secrets.token_urlsafe(32)
    token = StaffToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        label=label[:100],
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, key


@transaction.atomic
def staff_token_revoke(*, token: StaffToken) -> None:
    StaffToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
