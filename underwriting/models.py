"""Review tasks: an application the robot referred, who holds it, its clock and its verdict."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from loans.models import Loan


class Segment(models.TextChoices):
    NEW = "new", _("New borrower")
    REPEAT = "repeat", _("Repeat borrower")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    WAITING = "waiting_documents", _("Waiting for a document")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


IN_QUEUE = (TaskStatus.OPEN, TaskStatus.WAITING)
# The tasks in the queue. The comparison is spelled out: for `in_queue=True` Django writes a
# bare `WHERE in_queue`, which SQLite cannot answer from the queue's indexes.
QUEUED = models.Q(in_queue=models.Value(True))


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approved")
    DECLINE = "decline", _("Declined")


class DeclineReason(models.TextChoices):
    INCOME_NOT_CONFIRMED = "income_not_confirmed", _("Income not confirmed")
    DEBT_LOAD = "debt_load", _("Debt load too high")
    CREDIT_HISTORY = "credit_history", _("Poor credit history")
    DOCUMENTS_MISMATCH = "documents_mismatch", _("Documents do not match the application")
    IDENTITY_NOT_VERIFIED = "identity_not_verified", _("Identity not verified")
    FRAUD_SUSPECTED = "fraud_suspected", _("Signs of fraud")
    NO_DOCUMENT = "no_document", _("Requested document not provided")
    OTHER = "other", _("Other (see comment)")


class ReviewTask(models.Model):
    """One referred application. The loan's status stays the truth about the application;
    the task records the people's side: holder, clocks and verdict."""

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="review_task")
    # Copies of what the queue filters and sorts by, so that the queue never joins the loans.
    product = models.ForeignKey("loans.Product", on_delete=models.PROTECT, related_name="+")
    amount_kop = models.BigIntegerField(help_text="The amount asked")
    term_days = models.PositiveIntegerField(help_text="The term asked")
    segment = models.CharField(max_length=10, choices=Segment.choices)
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    # True exactly while the status is open or waiting (a constraint keeps it so): the queue's
    # indexes lead with it, so that one equality finds the queue in the order it is read.
    in_queue = models.BooleanField(default=True)
    created_at = models.DateTimeField(help_text="When the robot referred it")
    # The clock that is running now: the SLA, or while a document is awaited, the wait.
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    paused_sla_seconds = models.FloatField(
        null=True, blank=True, help_text="SLA time left when a document was requested"
    )

    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_tasks_held",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    # What the robot said, frozen when it referred (the underwriter decides on this).
    model_label = models.CharField(max_length=64, blank=True)
    pd = models.FloatField(null=True, blank=True)
    points = models.IntegerField(null=True, blank=True)
    robot_limit_kop = models.BigIntegerField(
        help_text="The most an underwriter may approve without the risk-manager role"
    )
    reasons = models.JSONField(default=list, blank=True, help_text="[{code, text}]")
    bureau = models.JSONField(default=dict, blank=True, help_text="The bureau summary")
    card_token = models.CharField(max_length=128, blank=True)
    existing_payments_kop = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The borrower's other monthly payments as the robot counted them for ПДН",
    )

    document_requested = models.CharField(max_length=200, blank=True)
    document_requested_at = models.DateTimeField(null=True, blank=True)

    verdict = models.CharField(max_length=10, choices=Verdict.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_tasks_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    sla_met = models.BooleanField(
        null=True, blank=True, help_text="Decided before the clock that was running ran out"
    )
    decline_reasons = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    approved_amount_kop = models.BigIntegerField(null=True, blank=True)
    approved_term_days = models.PositiveIntegerField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "id"]
        permissions = [("view_team_metrics", "Can see the underwriting team's metrics")]
        # The queue's sort orders: a page of the queue reads its rows in index order and
        # stops, however long the queue and the history of decided tasks are.
        indexes = [
            models.Index(fields=["in_queue", field, "id"], name=f"review_queue_{name}")
            for field, name in (
                ("due_at", "due"),
                ("created_at", "created"),
                ("amount_kop", "amount"),
                ("points", "points"),
            )
        ] + [
            models.Index(fields=["status", "due_at", "id"], name="review_claim_order"),
            models.Index(fields=["assigned_to", "status"], name="review_holder"),
            models.Index(fields=["decided_at"], name="review_decided_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(in_queue=True, status__in=IN_QUEUE)
                | (models.Q(in_queue=False) & ~models.Q(status__in=IN_QUEUE)),
                name="review_in_queue_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(status="decided", decided_at__isnull=False)
                | (~models.Q(status="decided") & models.Q(verdict="")),
                name="review_verdict_with_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of loan #{self.loan_id}"


class NumberingRange(models.Model):
    """A block of the Russian numbering plan (the regulator's DEF-code register): which region
    a mobile number was issued in. Loaded by `manage.py import_numbering_plan`."""

    code = models.PositiveSmallIntegerField(help_text="DEF code, e.g. 916")
    first = models.PositiveIntegerField(help_text="First 7-digit subscriber number")
    last = models.PositiveIntegerField()
    operator = models.CharField(max_length=200)
    region_name = models.CharField(max_length=200)
    region = models.ForeignKey(
        "loans.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["code", "first"], name="numbering_lookup")]

    def __str__(self) -> str:
        return f"+7 {self.code} {self.first:07d}–{self.last:07d}"
