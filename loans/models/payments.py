from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.ledger import JournalEntry
from loans.models.loan import Loan
from loans.payout_keys import build_key


class PayoutMethod(models.TextChoices):
    CARD = "card", _("Card")
    BANK_ACCOUNT = "bank_account", _("Bank account")


class PayoutStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Held until the legal cooling time after signing has passed")
    SENT = "sent", _("Sent to the gateway")
    PENDING = "pending", _("Gateway did not answer; awaiting the result")
    SUCCEEDED = "succeeded", _("Paid out")
    FAILED = "failed", _("Failed")


class PaidOut(models.Model):
    """Money sent out through the gateway to the borrower's own card (a provider token, the
    last four digits and the expiry, never the number) or bank account, and what it said."""

    method = models.CharField(max_length=16, choices=PayoutMethod.choices)
    card_token = models.CharField(max_length=128, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    account_number = models.CharField(max_length=20, blank=True)
    bik = models.CharField(max_length=9, blank=True)
    gateway_ref = models.CharField(max_length=64, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def idempotency_key(self) -> str:
        """The gateway's key of the order (`loans.payout_keys`), set by each kind."""
        raise NotImplementedError


class PayoutOrder(PaidOut):
    """An order to pay a loan out."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="payouts")
    attempt = models.PositiveSmallIntegerField()
    amount_kop = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.SENT
    )
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="115-FZ: the money may not go out before this moment"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["loan", "attempt"], name="payout_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"Payout {self.loan_id}/{self.attempt}"

    @property
    def idempotency_key(self) -> str:
        return build_key("payout", self.loan_id, self.attempt)


class IncomingPayment(models.Model):
    """A repayment reported by a payment provider; one row per provider event."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="payments")
    amount_kop = models.BigIntegerField()
    business_date = models.DateField()
    received_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="payment")
    allocation = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="payment_event_unique"),
            models.CheckConstraint(condition=models.Q(amount_kop__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
