"""What the borrower API keeps of its own: accounts, codes, tokens, consents, payout methods,
signatures, payment intents, idempotency records and provider webhooks."""

import uuid

from django.conf import settings
from django.db import models

from cards.models import CreditLine
from loans.models import Borrower, Loan
from loans.models.borrowers import phone_validator


class ClientAccount(models.Model):
    """A phone that signed in. It becomes a borrower once the profile (KYC) is filled in."""

    phone = models.CharField(max_length=16, unique=True, validators=[phone_validator])
    borrower = models.OneToOneField(
        Borrower, on_delete=models.PROTECT, null=True, blank=True, related_name="client_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # DRF's IsAuthenticated and throttles read these from request.user.
    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return f"Client #{self.pk}"


class CodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", "Sign-in"
    SIGN_OFFER = "sign_offer", "Signing an offer"


class OneTimeCode(models.Model):
    """A code sent by SMS. Only its keyed hash is kept; it expires and allows a few attempts."""

    phone = models.CharField(max_length=16, db_index=True)
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    loan = models.ForeignKey(
        Loan, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    document_hash = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="otp_lookup")]

    def __str__(self) -> str:
        return f"Code #{self.pk} ({self.purpose})"


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    account = models.ForeignKey(ClientAccount, on_delete=models.CASCADE, related_name="tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Token #{self.pk}"


class StaffToken(models.Model):
    """A bearer token for a staff user on the staff API (/api/v1/staff/); only its SHA-256 is
    stored. Issued by `manage.py staff_token`, revoked in the admin."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Staff token #{self.pk}"


class ConsentKind(models.TextChoices):
    PERSONAL_DATA = "personal_data", "Personal data processing (152-FZ)"
    CREDIT_BUREAU = "credit_bureau", "Credit bureau inquiry (218-FZ)"
    E_SIGNATURE = "e_signature", "Simple electronic signature rules (63-FZ)"


class Consent(models.Model):
    account = models.ForeignKey(ClientAccount, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    document_version = models.CharField(max_length=32)
    given_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "document_version"], name="consent_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.document_version}"


class PayoutMethodKind(models.TextChoices):
    CARD = "card", "Card"
    BANK_ACCOUNT = "bank_account", "Bank account"


class PayoutDestination(models.Model):
    """Where the borrower wants money: a provider card token (never the card number) or an
    account with its BIK."""

    account = models.ForeignKey(
        ClientAccount, on_delete=models.PROTECT, related_name="payout_destinations"
    )
    kind = models.CharField(max_length=16, choices=PayoutMethodKind.choices)
    card_token = models.CharField(max_length=128, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    account_number = models.CharField(max_length=20, blank=True)
    bik = models.CharField(max_length=9, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    def destination(self) -> dict:
        """The shape loans.services.loan_disburse takes."""
        if self.kind == PayoutMethodKind.CARD:
            return {
                "token": self.card_token,
                "last4": self.card_last4,
                "exp_month": self.card_exp_month,
                "exp_year": self.card_exp_year,
            }
        return {"account": self.account_number, "bik": self.bik}


class LoanRequest(models.Model):
    """The API's side of an application: who asked through which account and where to pay."""

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="client_request")
    account = models.ForeignKey(
        ClientAccount, on_delete=models.PROTECT, related_name="loan_requests"
    )
    payout_destination = models.ForeignKey(
        PayoutDestination, on_delete=models.PROTECT, related_name="loan_requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Wrong signing codes since the last pause, across all the offer's codes; too many pause
    # signing until `signing_locked_until` (clientapi.signing).
    signing_failures = models.PositiveSmallIntegerField(default=0)
    signing_locked_until = models.DateTimeField(null=True, blank=True)
    signing_locks = models.PositiveSmallIntegerField(
        default=0, help_text="How many times signing was paused after wrong codes"
    )

    def __str__(self) -> str:
        return f"Request for loan #{self.loan_id}"


class PassportReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting staff review"
    CLOSED = "closed", "Reviewed"


class PassportReview(models.Model):
    """A profile that named a passport another borrower already holds.

    The API does not say so (that would tell anyone whose passport belongs to a client): the
    rest of the profile is saved, the passport waits here for staff, and the account cannot
    apply until they close the review.
    """

    account = models.ForeignKey(
        ClientAccount, on_delete=models.PROTECT, related_name="passport_reviews"
    )
    holder = models.ForeignKey(
        Borrower,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The borrower who already holds this passport",
    )
    passport_series = models.CharField(max_length=4)
    passport_number = models.CharField(max_length=6)
    profile = models.JSONField(help_text="The profile as sent, for the review")
    status = models.CharField(
        max_length=8, choices=PassportReviewStatus.choices, default=PassportReviewStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(status="pending"),
                name="one_pending_passport_review_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"Passport review #{self.pk}"


class Signature(models.Model):
    """A simple electronic signature of an offer: the code entered, when, and what it signed.

    The code is kept as entered because it is the evidence of the signature; it was consumed
    on signing and can authorise nothing else.
    """

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="client_signature")
    account = models.ForeignKey(ClientAccount, on_delete=models.PROTECT, related_name="signatures")
    code = models.CharField(max_length=6)
    document_hash = models.CharField(max_length=64)
    document = models.JSONField(help_text="The offer as shown to the borrower")
    signed_at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Signature of loan #{self.loan_id}"


class IntentPurpose(models.TextChoices):
    REPAYMENT = "repayment", "Repayment"
    PROLONGATION = "prolongation", "Prolongation"


class IntentStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"


class PaymentIntent(models.Model):
    """A payment the borrower starts at the provider; the provider's webhook settles it.

    It pays either a loan or a credit line (the virtual card), never both.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_intents"
    )
    credit_line = models.ForeignKey(
        CreditLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_intents",
    )
    account = models.ForeignKey(
        ClientAccount, on_delete=models.PROTECT, related_name="payment_intents"
    )
    purpose = models.CharField(max_length=16, choices=IntentPurpose.choices)
    amount_kop = models.BigIntegerField()
    prolongation_days = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=8, choices=IntentStatus.choices, default=IntentStatus.PENDING
    )
    confirmation_url = models.URLField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_kop__gt=0), name="intent_positive"),
            models.CheckConstraint(
                condition=models.Q(loan__isnull=False, credit_line__isnull=True)
                | models.Q(loan__isnull=True, credit_line__isnull=False),
                name="intent_loan_or_credit_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.pk}"


class IdempotencyRecord(models.Model):
    """The first answer to a command sent with an Idempotency-Key."""

    account = models.ForeignKey(
        ClientAccount, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    completed = models.BooleanField(default=False)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


class WebhookEvent(models.Model):
    """A provider event applied once; its row commits together with the effect."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"
