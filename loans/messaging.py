"""Messages to borrowers: the outbox, the SMS gateway behind an interface, and delivery.

Whoever writes to a borrower (sign-in and signing codes, collection reminders) enqueues a row;
`deliver_queued` (a django-q2 schedule, every minute) sends each through the gateway. Bodies
may carry one-time codes, so nothing here ever logs a body or a gateway's error text.
"""

import logging
import threading
import uuid
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from kernel.masking import mask_digits
from loans.models import Borrower, BorrowerMessage, MessageStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH_SIZE = 200


class SmsError(Exception):
    """The gateway did not take the message; it may be retried."""


class SmsGateway(Protocol):
    def send(self, *, key: str, phone: str, body: str) -> str:
        """Send once per `key` (repeats are not sent again); returns the gateway's reference."""
        ...


class SandboxSmsGateway:
    """Deterministic sandbox: outcomes come from `queue_outcomes` ("fail"), else delivered."""

    _lock = threading.Lock()
    _outcomes: list[str] = []
    _sent: dict[str, str] = {}

    @classmethod
    def queue_outcomes(cls, *outcomes: str) -> None:
        with cls._lock:
            cls._outcomes.extend(outcomes)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._outcomes.clear()
            cls._sent.clear()

    @classmethod
    def sent_keys(cls) -> list[str]:
        with cls._lock:
            return list(cls._sent)

    def send(self, *, key: str, phone: str, body: str) -> str:
        with self._lock:
            if key in self._sent:
                return self._sent[key]
            if self._outcomes and self._outcomes.pop(0) == "fail":
                raise SmsError("Sandbox: the operator rejected the message")
            self._sent[key] = f"sms-{uuid.uuid4().hex[:16]}"
            return self._sent[key]


def get_sms_gateway() -> SmsGateway:
    path = getattr(settings, "SMS_GATEWAY", "loans.messaging.SandboxSmsGateway")
    return import_string(path)()


@transaction.atomic
def message_enqueue(
    *,
    borrower: Borrower | None = None,
    phone: str,
    kind: str,
    body: str,
    send_after: datetime | None = None,
) -> BorrowerMessage:
    return BorrowerMessage.objects.create(
        borrower=borrower, phone=phone, kind=kind, body=body, send_after=send_after
    )


def _due(now: datetime) -> Q:
    return Q(send_after__isnull=True) | Q(send_after__lte=now)


def deliver_queued(*, limit: int = BATCH_SIZE) -> dict[str, int]:
    """Try every queued message once, oldest first; returns how many ended in each state."""
    gateway = get_sms_gateway()
    queued = BorrowerMessage.objects.filter(_due(timezone.now()), status=MessageStatus.QUEUED)
    queued = queued.order_by("pk")
    outcome = {MessageStatus.SENT: 0, MessageStatus.QUEUED: 0, MessageStatus.FAILED: 0}
    for message_id in queued.values_list("pk", flat=True)[:limit]:
        status = message_deliver(message_id=message_id, gateway=gateway)
        if status is not None:
            outcome[status] += 1
    return {str(status): count for status, count in outcome.items()}


@transaction.atomic
def message_deliver(*, message_id: int, gateway: SmsGateway) -> str | None:
    """One attempt; None when another worker holds the message or it is no longer queued.

    The row stays locked while the gateway answers, so two workers never send one message.
    """
    message = (
        BorrowerMessage.objects.select_for_update(skip_locked=True)
        .filter(_due(timezone.now()), pk=message_id, status=MessageStatus.QUEUED)
        .first()
    )
    if message is None:
        return None
    message.attempts += 1
    try:
        message.gateway_ref = gateway.send(
            key=f"message-{message.pk}", phone=message.phone, body=message.body
        )
    except Exception as exc:  # any gateway failure costs an attempt, never the whole batch
        error = f"{type(exc).__name__}: {exc}"
        # A gateway may quote what it was sent; a code must not survive in the error.
        message.last_error = (mask_digits(error) if message.carries_code else error)[:200]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
        log.warning(
            "message %s (%s): attempt %s failed with %s",
            message.pk,
            message.kind,
            message.attempts,
            type(exc).__name__,
        )
    else:
        message.status = MessageStatus.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error", "gateway_ref"])
    return message.status
