from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from loans.models.borrowers import Borrower
from loans.models.products import Product
from loans.models.regulation import RegulationLimit


class LoanStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SCORED = "scored", _("Scored")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    DISBURSED = "disbursed", _("Payout sent")
    SERVICED = "serviced", _("Serviced")
    OVERDUE = "overdue", _("Overdue")
    CLOSED = "closed", _("Closed")
    WRITTEN_OFF = "written_off", _("Written off")


S = LoanStatus
LIVE_STATUSES = (S.SERVICED, S.OVERDUE)


class Loan(ConcurrentTransitionMixin, models.Model):
    """One row follows a request from application to closing (DESIGN.md, the loan lifecycle).

    Transitions are called only from loans.services; the balances below are a cache of the
    loan's ledger accounts, proven equal by `manage.py ledger_check`.
    """

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="loans")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="loans")
    # Looked up through loan_status_due (status, next_due_date), which leads with it.
    status = FSMField(default=S.APPLIED, choices=S.choices, protected=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    requested_amount_kop = models.BigIntegerField()
    requested_term_days = models.PositiveIntegerField()

    # The contract, frozen when the offer is signed.
    principal_kop = models.BigIntegerField(null=True, blank=True)
    daily_rate_ppm = models.PositiveIntegerField(null=True, blank=True)
    term_days = models.PositiveIntegerField(null=True, blank=True)
    period_days = models.PositiveIntegerField(null=True, blank=True)
    first_period_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="The first period's days when the borrower chose them"
    )
    signing_fee_kop = models.BigIntegerField(
        default=0, help_text="Fee taken at signing, deducted from the payout"
    )
    penalty_mode = models.CharField(max_length=32, blank=True)
    penalty_rate_num = models.PositiveIntegerField(
        default=0, help_text="Daily penalty = overdue principal × num / den, half-even"
    )
    penalty_rate_den = models.PositiveIntegerField(default=1)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_on = models.DateField(null=True, blank=True, help_text="Business date of signing")
    credit_uid = models.CharField(
        "УИд",
        max_length=38,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The contract's unique identifier (218-FZ), given at signing",
    )
    issue_date = models.DateField(null=True, blank=True)
    psk_percent = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    psk_kop = models.BigIntegerField(null=True, blank=True)
    charges_cap_kop = models.BigIntegerField(null=True, blank=True)
    regulation = models.ForeignKey(
        RegulationLimit, on_delete=models.PROTECT, null=True, blank=True, related_name="loans"
    )
    limits_snapshot = models.JSONField(default=dict, blank=True)
    prolongations = models.PositiveSmallIntegerField(default=0)
    max_prolongations = models.PositiveSmallIntegerField(default=0)
    schedule_version = models.PositiveSmallIntegerField(default=1)
    restructured = models.BooleanField(default=False)
    penalties_stopped = models.BooleanField(default=False)
    interest_stopped = models.BooleanField(default=False)

    # Cached balances (kopecks), equal to the ledger.
    principal_out_kop = models.BigIntegerField(default=0)
    interest_out_kop = models.BigIntegerField(default=0)
    penalty_out_kop = models.BigIntegerField(default=0)
    fees_out_kop = models.BigIntegerField(default=0)
    overpayment_kop = models.BigIntegerField(default=0)
    # Servicing state derived from the schedule and payments.
    charges_total_kop = models.BigIntegerField(default=0, help_text="All charges ever made")
    paid_debt_kop = models.BigIntegerField(default=0, help_text="Paid toward debt, this schedule")
    due_passed_kop = models.BigIntegerField(default=0, help_text="Scheduled amounts now due")
    interest_overdue_kop = models.BigIntegerField(default=0)
    principal_overdue_kop = models.BigIntegerField(default=0)
    next_due_date = models.DateField(null=True, blank=True)  # in loan_status_due
    maturity_date = models.DateField(null=True, blank=True)
    overdue_since = models.DateField(null=True, blank=True)
    days_past_due = models.PositiveIntegerField(default=0)
    accrued_through = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    principal_out_kop__gte=0,
                    interest_out_kop__gte=0,
                    penalty_out_kop__gte=0,
                    fees_out_kop__gte=0,
                    overpayment_kop__gte=0,
                ),
                name="loan_balances_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(signing_fee_kop__gte=0), name="loan_signing_fee_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(requested_amount_kop__gt=0), name="loan_requested_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_due_date"], name="loan_status_due"),
            # The dashboards' windows: applications and issues since a date.
            models.Index(fields=["applied_at"], name="loan_applied_at"),
            models.Index(fields=["issue_date"], name="loan_issue_date"),
        ]

    def __str__(self) -> str:
        return f"Loan #{self.pk}"

    @property
    def debt_kop(self) -> int:
        return (
            self.principal_out_kop
            + self.interest_out_kop
            + self.penalty_out_kop
            + self.fees_out_kop
        )

    @property
    def charges_room_kop(self) -> int:
        return max(0, (self.charges_cap_kop or 0) - self.charges_total_kop)

    @transition(field=status, source=S.APPLIED, target=S.SCORED)
    def score(self) -> None: ...

    @transition(field=status, source=[S.SCORED, S.IN_REVIEW], target=S.APPROVED)
    def approve(self) -> None: ...

    @transition(field=status, source=S.SCORED, target=S.IN_REVIEW)
    def refer(self) -> None: ...

    @transition(field=status, source=[S.SCORED, S.IN_REVIEW], target=S.REJECTED)
    def decline(self) -> None: ...

    @transition(
        field=status, source=[S.APPLIED, S.SCORED, S.IN_REVIEW, S.APPROVED], target=S.CANCELLED
    )
    def cancel(self) -> None: ...

    @transition(field=status, source=S.APPROVED, target=S.DISBURSED)
    def disburse(self) -> None: ...

    @transition(field=status, source=S.DISBURSED, target=S.APPROVED)
    def payout_failed(self) -> None: ...

    @transition(field=status, source=S.DISBURSED, target=S.SERVICED)
    def confirm_payout(self) -> None: ...

    @transition(field=status, source=S.SERVICED, target=S.OVERDUE)
    def miss_due_date(self) -> None: ...

    @transition(field=status, source=S.OVERDUE, target=S.SERVICED)
    def cure(self) -> None: ...

    @transition(field=status, source=[S.SERVICED, S.OVERDUE], target=S.CLOSED)
    def repay_in_full(self) -> None: ...

    @transition(field=status, source=S.OVERDUE, target=S.WRITTEN_OFF)
    def write_off(self) -> None: ...

    # The sale of the debt: off the book as a write-off is, at a price (DebtAssignment).
    @transition(field=status, source=S.OVERDUE, target=S.WRITTEN_OFF)
    def assign(self) -> None: ...


class ScheduleItem(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="schedule_items")
    version = models.PositiveSmallIntegerField(default=1)
    seq = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    principal_kop = models.BigIntegerField()
    interest_kop = models.BigIntegerField()
    arrears_kop = models.BigIntegerField(
        default=0, help_text="Earlier interest, penalty and fees spread over a restructuring plan"
    )
    total_kop = models.BigIntegerField()

    class Meta:
        ordering = ["loan", "version", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "version", "seq"], name="schedule_item_unique")
        ]
        indexes = [models.Index(fields=["loan", "version", "due_date"], name="schedule_due")]

    def __str__(self) -> str:
        return f"{self.loan_id}/{self.version}#{self.seq} {self.due_date}"


class TransitionLog(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="transitions")
    transition = models.CharField(max_length=32)
    source = models.CharField(max_length=16)
    target = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150, help_text="username or 'system'")
    reason = models.TextField(blank=True)
    business_date = models.DateField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["loan", "at"], name="transition_loan_at"),
            # The vintages read the missed due dates of the whole book.
            models.Index(fields=["transition", "business_date"], name="transition_name_date"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.source} → {self.target}"
