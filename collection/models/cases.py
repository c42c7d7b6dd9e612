"""A collection case: one overdue debt (a loan or a virtual card) from the day it falls behind
until it is settled. What collection reads of the debt goes through `collection.debts`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cards.models import CreditLine
from collection.wordings import strategy_reason_text
from loans.models import Borrower, Loan


class CaseStage(models.TextChoices):
    SOFT = "soft", _("Soft")
    HARD = "hard", _("Hard")
    LEGAL = "legal", _("Legal")
    CLOSED = "closed", _("Closed")


OPEN_CASE = models.Q(stage__in=(CaseStage.SOFT, CaseStage.HARD, CaseStage.LEGAL))


class Bucket(models.TextChoices):
    B1_30 = "1-30", "1–30"
    B31_60 = "31-60", "31–60"
    B61_90 = "61-90", "61–90"
    B90_PLUS = "90+", "90+"


class Strategy(models.TextChoices):
    REMIND = "remind", _("Reminders: the debtor is likely to pay")
    NEGOTIATE = "negotiate", _("Calls and promises to pay")
    RESTRUCTURE = "restructure", _("Offer a restructuring")
    LEGAL = "legal", _("Legal collection")


class NextAction(models.TextChoices):
    CALL = "call", _("Call")
    MESSAGE = "message", _("Send a message")
    CHECK_PROMISE = "check_promise", _("Check the promised payment")
    OFFER_RESTRUCTURING = "offer_restructuring", _("Offer a restructuring")
    HAND_OVER = "hand_over", _("Hand over to legal")
    PREPARE_CLAIM = "prepare_claim", _("Prepare the claim")
    NONE = "none", _("Nothing")


class ClosingReason(models.TextChoices):
    PAID_IN_FULL = "paid_in_full", _("Paid in full")
    CURED = "cured", _("Arrears paid, back on schedule")
    RESTRUCTURED = "restructured", _("Restructured and current")
    WRITTEN_OFF = "written_off", _("Written off or sold")


class CollectionCase(models.Model):
    borrower = models.ForeignKey(
        Borrower, on_delete=models.PROTECT, related_name="collection_cases"
    )
    # The debt: exactly one of the two.
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="collection_cases"
    )
    credit_line = models.ForeignKey(
        CreditLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection_cases",
    )
    stage = models.CharField(max_length=8, choices=CaseStage.choices, default=CaseStage.SOFT)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closing_reason = models.CharField(max_length=16, choices=ClosingReason.choices, blank=True)
    # Copies of the loan's cached balances, refreshed by the daily steps.
    days_past_due = models.PositiveIntegerField(default=0)
    bucket = models.CharField(max_length=6, choices=Bucket.choices, default=Bucket.B1_30)
    overdue_principal_kop = models.BigIntegerField(default=0)
    overdue_interest_kop = models.BigIntegerField(default=0)
    penalty_kop = models.BigIntegerField(default=0)
    fees_kop = models.BigIntegerField(default=0)
    debt_kop = models.BigIntegerField(default=0, help_text=_("Everything outstanding"))
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection_cases",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    next_action = models.CharField(
        max_length=20, choices=NextAction.choices, default=NextAction.CALL
    )
    next_action_on = models.DateField(null=True, blank=True)
    strategy = models.CharField(max_length=12, choices=Strategy.choices)
    recovery_probability = models.FloatField()
    priority_kop = models.BigIntegerField(help_text=_("Expected recovery"))
    strategy_reason = models.CharField(max_length=300)
    legal_at = models.DateTimeField(null=True, blank=True)
    legal_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-priority_kop", "next_action_on", "id"]
        permissions = [("lead_collection", "Can lead collectors (reassign, hand over to legal)")]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"], condition=OPEN_CASE, name="collection_one_open_case_per_loan"
            ),
            models.UniqueConstraint(
                fields=["credit_line"],
                condition=OPEN_CASE,
                name="collection_one_open_case_per_card",
            ),
            models.CheckConstraint(
                condition=models.Q(loan__isnull=False, credit_line__isnull=True)
                | models.Q(loan__isnull=True, credit_line__isnull=False),
                name="collection_case_one_debt",
            ),
            models.CheckConstraint(
                condition=models.Q(stage=CaseStage.CLOSED, closed_on__isnull=False)
                | (~models.Q(stage=CaseStage.CLOSED) & models.Q(closed_on__isnull=True)),
                name="collection_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["collector", "stage"], name="collection_case_collector"),
            models.Index(fields=["stage", "bucket"], name="collection_case_stage"),
            models.Index(fields=["borrower", "stage"], name="collection_case_borrower"),
        ]

    def __str__(self) -> str:
        debt = f"loan #{self.loan_id}" if self.loan_id else f"card #{self.credit_line_id}"
        return f"Case #{self.pk} ({debt}, {self.stage})"

    @property
    def debt_label(self) -> str:
        """The contract the case is for, as people name it (no query)."""
        if self.loan_id:
            return str(_("Loan No. %(number)s") % {"number": self.loan_id})
        return str(_("Card No. %(number)s") % {"number": self.credit_line_id})

    @property
    def is_open(self) -> bool:
        return self.stage != CaseStage.CLOSED

    @property
    def strategy_reason_text(self) -> str:
        return strategy_reason_text(self.strategy_reason)

    @property
    def overdue_kop(self) -> int:
        return (
            self.overdue_principal_kop
            + self.overdue_interest_kop
            + self.penalty_kop
            + self.fees_kop
        )
