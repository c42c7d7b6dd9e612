"""One-time codes sent by SMS (through the outbox) and checked with counted attempts."""

import hashlib
import hmac
import secrets
import sys
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clientapi.models import CodePurpose, OneTimeCode
from clientapi.refusals import InvalidCode, WrongCode
from loans.messaging import message_enqueue
from loans.models import Loan
from loans.models.messages import CODE_KIND_PREFIX

_CODE_REFUSALS = {
    "invalid_code": "The code is wrong or expired",
    "code_attempts_exhausted": "No attempts left on this code",
}
CODE_TTL = timedelta(minutes=5)
CODE_MAX_ATTEMPTS = 5


def _code_hash(*, phone: str, purpose: str, code: str) -> str:
    message = f"{phone}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def code_send(
    *, phone: str, purpose: str, loan: Loan | None = None, document_hash: str = ""
) -> OneTimeCode:
    """A new code replaces any earlier one for the same phone and purpose."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = timezone.now()
    OneTimeCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    otp = OneTimeCode.objects.create(
        phone=phone,
        purpose=purpose,
        loan=loan,
        document_hash=document_hash,
        code_hash=_code_hash(phone=phone, purpose=purpose, code=code),
        expires_at=now + CODE_TTL,
    )
    if purpose == CodePurpose.SIGN_OFFER:
        body = f"Код {code} для подписания договора займа №{loan.pk}. Никому не сообщайте его."
    else:
        body = f"Код {code} для входа в Займер. Никому не сообщайте его."
    kind = f"{CODE_KIND_PREFIX}{purpose}"
    message_enqueue(borrower=loan.borrower if loan else None, phone=phone, kind=kind, body=body)
    if settings.OTP_ECHO_TO_CONSOLE:
        # Development only: the console, not the log, so production logs never carry codes.
        transaction.on_commit(lambda: sys.stderr.write(f"[outbox] {phone} {kind}: {body}\n"))
    return otp


def code_consume(*, phone: str, purpose: str, code: str, loan: Loan | None = None) -> OneTimeCode:
    """Use the latest live code. A wrong guess is counted even though the request fails."""
    refusal_class = InvalidCode
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, loan=loan, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if otp is None or otp.expires_at <= timezone.now():
            refusal = "invalid_code"
        elif otp.attempts >= CODE_MAX_ATTEMPTS:
            refusal = "code_attempts_exhausted"
        elif hmac.compare_digest(
            otp.code_hash, _code_hash(phone=phone, purpose=purpose, code=code)
        ):
            otp.used_at = timezone.now()
            otp.save(update_fields=["used_at"])
            return otp
        else:
            otp.attempts += 1
            otp.save(update_fields=["attempts"])
            refusal = (
                "code_attempts_exhausted" if otp.attempts >= CODE_MAX_ATTEMPTS else "invalid_code"
            )
            refusal_class = WrongCode
    # Raised after the block: the counted attempt commits.
    raise refusal_class(_CODE_REFUSALS[refusal], code=refusal, field="code")
