"""Surveys after a closed loan, staff follow-ups, loyalty tiers and personal offers."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cards.models import CreditLine
from loans.models import Borrower, Loan, Product

NPS_MAX = 10
CSAT_MIN, CSAT_MAX = 1, 5
DETRACTOR_MAX = 6
PROMOTER_MIN = 9
SATISFIED_MIN = 4


class Stage(models.TextChoices):
    APPLICATION = "application", _("Application")
    PAYOUT = "payout", _("Payout")
    SERVICING = "servicing", _("Servicing")
    COLLECTION = "collection", _("Collection")


class Repayment(models.TextChoices):
    ON_TIME = "on_time", _("Repaid on time")
    LATE = "late", _("Repaid late, before collection")
    AFTER_COLLECTION = "after_collection", _("Repaid after collection")


class Survey(models.Model):
    """The survey offered once for a closed loan, and the borrower's answer when given.

    The segment fields are frozen when it is offered: the loan's history is complete then.
    """

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="survey")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="surveys")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    repeat = models.BooleanField(help_text="The borrower had repaid an earlier loan")
    repayment = models.CharField(max_length=20, choices=Repayment.choices)
    offered_on = models.DateField(help_text="Business date the loan closed and it was offered")
    offered_at = models.DateTimeField(auto_now_add=True)

    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    nps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(NPS_MAX)]
    )
    csat = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(CSAT_MIN), MaxValueValidator(CSAT_MAX)]
    )
    stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True)
                | models.Q(nps__gte=0, nps__lte=NPS_MAX, csat__gte=CSAT_MIN, csat__lte=CSAT_MAX),
                name="survey_answer_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"Survey for loan #{self.loan_id}"

    @property
    def after_collection(self) -> bool:
        return self.repayment == Repayment.AFTER_COLLECTION


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class FollowUpTask(models.Model):
    """A detractor's answer for staff to call back about."""

    survey = models.OneToOneField(Survey, on_delete=models.PROTECT, related_name="follow_up")
    status = models.CharField(
        max_length=4, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_follow_ups",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "created_at", "id"]

    def __str__(self) -> str:
        return f"Follow-up #{self.pk} ({self.get_status_display()})"


class LoyaltyTier(models.Model):
    """A tier and its thresholds; a borrower is in the highest-ranked tier whose every
    threshold they meet. The offer fields say what a personal offer for the tier gives."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(unique=True, help_text="Higher is better")
    is_active = models.BooleanField(default=True)
    min_loans_repaid = models.PositiveIntegerField(default=0)
    min_on_time_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Share of repaid loans never overdue, per cent",
    )
    max_days_past_due = models.PositiveIntegerField(
        help_text="The worst overdue on any loan must not exceed this"
    )
    min_tenure_days = models.PositiveIntegerField(
        default=0, help_text="Days since the first loan was issued"
    )
    offer_product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the product of the borrower's last repaid loan",
    )
    offer_amount_limit_kop = models.BigIntegerField(
        null=True, blank=True, help_text="Empty: no personal offers for this tier"
    )
    offer_rate_discount_ppm = models.PositiveIntegerField(
        default=0, help_text="Taken off the product's daily rate, millionths (1000 = 0.1 %/day)"
    )
    offer_valid_days = models.PositiveSmallIntegerField(default=30)
    credit_line_limit_kop = models.BigIntegerField(
        null=True, blank=True, help_text="Empty: no virtual card offer for this tier"
    )
    credit_line_daily_rate_ppm = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The card's daily rate, millionths; never above the cap on the day offered",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-rank"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_on_time_percent__lte=100), name="tier_on_time_percent"
            ),
            models.CheckConstraint(
                condition=models.Q(offer_amount_limit_kop__isnull=True)
                | models.Q(offer_amount_limit_kop__gt=0),
                name="tier_offer_amount_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(offer_valid_days__gt=0), name="tier_offer_valid_days"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    credit_line_limit_kop__isnull=True, credit_line_daily_rate_ppm__isnull=True
                )
                | models.Q(credit_line_limit_kop__gt=0, credit_line_daily_rate_ppm__gt=0),
                name="tier_credit_line_terms",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LoyaltySnapshot(models.Model):
    """The borrower's history and tier as last computed (after each closing)."""

    borrower = models.OneToOneField(Borrower, on_delete=models.PROTECT, related_name="loyalty")
    tier = models.ForeignKey(
        LoyaltyTier, on_delete=models.PROTECT, null=True, blank=True, related_name="snapshots"
    )
    loans_repaid = models.PositiveIntegerField()
    on_time_percent = models.PositiveSmallIntegerField()
    max_days_past_due = models.PositiveIntegerField()
    tenure_days = models.PositiveIntegerField()
    computed_on = models.DateField(help_text="Business date")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.borrower}: {self.tier or '—'}"


class OfferStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OfferKind(models.TextChoices):
    LOAN = "loan", _("Loan")
    CREDIT_LINE = "credit_line", _("Virtual card with a credit limit")


class PersonalOffer(models.Model):
    """A loan offer (a product, an amount limit, a rate) or a card offer (a credit limit and a
    rate); a borrower has at most one active offer of each kind."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="offers")
    kind = models.CharField(max_length=12, choices=OfferKind.choices, default=OfferKind.LOAN)
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Loan offers only",
    )
    tier = models.ForeignKey(LoyaltyTier, on_delete=models.PROTECT, related_name="offers")
    amount_limit_kop = models.BigIntegerField()
    daily_rate_ppm = models.PositiveIntegerField(
        help_text="Never above the product's rate nor the cap on the day it was made"
    )
    valid_until = models.DateField(help_text="Last business date it can be accepted")
    reason = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.ACTIVE, db_index=True
    )
    created_on = models.DateField(help_text="Business date")
    created_at = models.DateTimeField(auto_now_add=True)
    loan = models.OneToOneField(
        Loan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personal_offer",
        help_text="The application the accepted offer became",
    )
    credit_line = models.OneToOneField(
        CreditLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="personal_offer",
        help_text="The card the accepted card offer opened",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower", "kind"],
                condition=models.Q(status="active"),
                name="offer_one_active_per_borrower_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="loan", product__isnull=False)
                | models.Q(kind="credit_line", product__isnull=True),
                name="offer_product_for_loans_only",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_limit_kop__gt=0, daily_rate_ppm__gt=0),
                name="offer_terms_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | models.Q(kind="loan", loan__isnull=False)
                | models.Q(kind="credit_line", credit_line__isnull=False),
                name="offer_accepted_has_loan",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer #{self.pk} to {self.borrower}"
