from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.borrowers import Borrower

# Kinds that carry a one-time code start with this; their bodies are secrets.
CODE_KIND_PREFIX = "code_"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class BorrowerMessage(models.Model):
    """The outbox of messages to borrowers (SMS). `loans.messaging` delivers and marks them."""

    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    phone = models.CharField(max_length=16)
    kind = models.CharField(max_length=32)
    body = models.TextField()
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    gateway_ref = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(
        null=True, blank=True, help_text="Not sent before this moment (empty: at once)"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(status=MessageStatus.QUEUED),
                name="message_queue",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def carries_code(self) -> bool:
        return self.kind.startswith(CODE_KIND_PREFIX)
