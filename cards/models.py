"""The virtual card with a credit limit: a revolving credit line and what happens on it.

Balances on `CreditLine` are a cache of the line's ledger accounts (card principal and card
interest), proven equal by `manage.py ledger_check`. Rows here are written only by
`cards.services`, `cards.transfers` and the close-of-business step in `cards.cob`.

The tables keep the names they had when the card lived in `loans` (`db_table`): the models moved,
the data did not.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from loans.models.borrowers import Borrower
from loans.models.ledger import JournalEntry
from loans.models.payments import PaidOut
from loans.models.regulation import RegulationLimit
from loans.payout_keys import build_key

# The minimum payment of a statement: all unpaid interest + this share of the principal,
# at least MIN_PAYMENT_FLOOR_KOP (or the whole debt when it is smaller). Copied onto each line
# when it is opened, so a later change of policy never changes a contract already signed.
MIN_PAYMENT_PRINCIPAL_PPM = 50_000  # 5 %
MIN_PAYMENT_FLOOR_KOP = 10_000  # 100 ₽
PAYMENT_DUE_DAYS = 20
MAX_STATEMENT_DAY = 28
# The gateway key of a card transfer: `card-transfer-<transfer id>`.
TRANSFER_KEY_PREFIX = "card-transfer"


class CreditLineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FROZEN = "frozen", _("Frozen: no new draws")
    CLOSED = "closed", _("Closed")


# The status of a line being signed, before its first transition (`open`); never stored.
UNSIGNED = ""


class FreezeReason(models.TextChoices):
    NONE = "", "—"
    MISSED_PAYMENT = "missed_payment", _("A minimum payment was missed")
    STAFF = "staff", _("Frozen by staff")


class CreditLine(ConcurrentTransitionMixin, models.Model):
    """One borrower's card contract: the limit, the rate and the balances drawn on it.

    Its status moves only through the transitions below, called from `cards.services` (and
    set-based by COB, which freezes a line whose minimum payment was missed); each writes a
    `CreditLineTransition`.
    """

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="credit_lines")
    status = FSMField(
        max_length=8,
        choices=CreditLineStatus.choices,
        default=CreditLineStatus.OPEN,
        db_index=True,
        protected=True,
    )
    freeze_reason = models.CharField(
        max_length=16, choices=FreezeReason.choices, default=FreezeReason.NONE, blank=True
    )
    limit_kop = models.BigIntegerField()
    daily_rate_ppm = models.PositiveIntegerField(help_text="8000 = 0.8 % per day")
    credit_uid = models.CharField(
        "УИд",
        max_length=38,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text="The contract's unique identifier (218-FZ), given when the card is opened",
    )
    opened_on = models.DateField(help_text="Business date the contract was signed")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)
    statement_day = models.PositiveSmallIntegerField(help_text="Day of the month, 1–28")
    payment_due_days = models.PositiveSmallIntegerField(
        default=PAYMENT_DUE_DAYS, help_text="Days from a statement to its payment due date"
    )
    min_payment_principal_ppm = models.PositiveIntegerField(
        default=MIN_PAYMENT_PRINCIPAL_PPM,
        help_text="Share of principal in the minimum payment, millionths (50 000 = 5 %)",
    )
    min_payment_floor_kop = models.BigIntegerField(default=MIN_PAYMENT_FLOOR_KOP)
    charges_cap_percent = models.PositiveSmallIntegerField(
        help_text="Cap on all charges of each draw, per cent of that draw (130 = 1.3 ×)"
    )
    psk_percent = models.DecimalField(max_digits=8, decimal_places=3)
    psk_kop = models.BigIntegerField(help_text="ПСК in money of the representative draw")
    regulation = models.ForeignKey(
        RegulationLimit, on_delete=models.PROTECT, related_name="credit_lines"
    )
    limits_snapshot = models.JSONField(default=dict, blank=True)
    # The daily penalty on the overdue amount, from `loans.regulation.penalty_rate` on the day
    # of signing; 0 on a line signed before the card charged penalties.
    penalty_rate_num = models.PositiveIntegerField(
        default=0, help_text="Daily penalty = overdue amount × num / den, rounded down"
    )
    penalty_rate_den = models.PositiveIntegerField(default=1)

    # Cached balances, equal to the ledger.
    principal_out_kop = models.BigIntegerField(default=0)
    interest_out_kop = models.BigIntegerField(default=0)
    penalty_out_kop = models.BigIntegerField(default=0)
    # Servicing state.
    charges_total_kop = models.BigIntegerField(default=0, help_text="All charges ever made")
    overdue_kop = models.BigIntegerField(
        default=0, help_text="Unpaid part of the minimum payments whose due date passed"
    )
    # The due date of the first minimum payment missed in the arrears now running: the days
    # past due count from it until the arrears are paid in full (a later statement's minimum
    # includes the earlier arrears, so a payment short of them leaves the spell running).
    overdue_since = models.DateField(null=True, blank=True)
    days_past_due = models.PositiveIntegerField(default=0)
    accrued_through = models.DateField()
    period_from = models.DateField(help_text="First day of the statement period now running")
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every write")

    class Meta:
        db_table = "loans_creditline"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(limit_kop__gt=0), name="credit_line_limit_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(daily_rate_ppm__gt=0), name="credit_line_rate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    principal_out_kop__gte=0,
                    interest_out_kop__gte=0,
                    penalty_out_kop__gte=0,
                    charges_total_kop__gte=0,
                    overdue_kop__gte=0,
                ),
                name="credit_line_balances_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(penalty_rate_den__gt=0), name="credit_line_penalty_rate"
            ),
            models.CheckConstraint(
                condition=models.Q(statement_day__gte=1, statement_day__lte=MAX_STATEMENT_DAY),
                name="credit_line_statement_day",
            ),
            models.UniqueConstraint(
                fields=["borrower"],
                condition=~models.Q(status="closed"),
                name="credit_line_one_per_borrower",
            ),
            models.CheckConstraint(
                condition=models.Q(overdue_kop=0, overdue_since__isnull=True, days_past_due=0)
                | models.Q(overdue_kop__gt=0, overdue_since__isnull=False),
                name="credit_line_arrears_have_a_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Credit line #{self.pk}"

    @property
    def debt_kop(self) -> int:
        return self.principal_out_kop + self.interest_out_kop + self.penalty_out_kop

    def bureau_facts(self) -> dict:
        """The contract's state that every credit-history event of the card carries."""
        return {
            "contract": "card",
            "credit_line_id": self.pk,
            "status": self.status,
            "limit_kop": self.limit_kop,
            "psk_percent": str(self.psk_percent) if self.psk_percent is not None else "",
            "opened_on": self.opened_on.isoformat() if self.opened_on else "",
            "closed_on": self.closed_on.isoformat() if self.closed_on else "",
            "debt_kop": self.debt_kop,
            "principal_out_kop": self.principal_out_kop,
            "overdue_kop": self.overdue_kop,
            "overdue_since": self.overdue_since.isoformat() if self.overdue_since else "",
            "days_past_due": self.days_past_due,
        }

    @property
    def available_kop(self) -> int:
        """What can be drawn now: nothing unless open and not in arrears."""
        if self.status != CreditLineStatus.OPEN or self.overdue_kop > 0:
            return 0
        return max(0, self.limit_kop - self.principal_out_kop)

    @transition(field=status, source=UNSIGNED, target=CreditLineStatus.OPEN)
    def open(self) -> None: ...

    @transition(field=status, source=CreditLineStatus.OPEN, target=CreditLineStatus.FROZEN)
    def freeze(self) -> None: ...

    @transition(field=status, source=CreditLineStatus.FROZEN, target=CreditLineStatus.OPEN)
    def unfreeze(self) -> None: ...

    @transition(
        field=status,
        source=[CreditLineStatus.OPEN, CreditLineStatus.FROZEN],
        target=CreditLineStatus.CLOSED,
    )
    def close(self) -> None: ...


class CreditLineTransition(models.Model):
    """The card's transition log: who moved the line from which status to which, and why."""

    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="transitions"
    )
    transition = models.CharField(max_length=16)
    source = models.CharField(max_length=8, blank=True)
    target = models.CharField(max_length=8)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150, help_text="username or 'system'")
    reason = models.CharField(max_length=200, blank=True)
    business_date = models.DateField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["credit_line", "at", "id"]
        indexes = [
            models.Index(fields=["credit_line", "at"], name="card_transition_line_at"),
        ]

    def __str__(self) -> str:
        return f"{self.credit_line_id}: {self.source or '—'} → {self.target}"


class DrawKind(models.TextChoices):
    PURCHASE = "purchase", _("Card purchase")
    TRANSFER = "transfer", _("Transfer to the borrower's account")


class CreditLineDraw(models.Model):
    """One use of the limit. Each draw is a tranche of credit with its own cap on charges."""

    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="draws")
    kind = models.CharField(max_length=8, choices=DrawKind.choices)
    amount_kop = models.BigIntegerField()
    merchant = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=200, blank=True)
    payout_reference = models.CharField(
        max_length=64, blank=True, help_text="The borrower's payout method the transfer went to"
    )
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="card_draw")
    # Per-tranche servicing: what of it is still owed, and the charges it has carried.
    principal_out_kop = models.BigIntegerField()
    charges_kop = models.BigIntegerField(default=0)
    charges_cap_kop = models.BigIntegerField()

    class Meta:
        db_table = "loans_creditlinedraw"
        ordering = ["credit_line", "business_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_kop__gt=0), name="credit_draw_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    principal_out_kop__gte=0,
                    principal_out_kop__lte=models.F("amount_kop"),
                    charges_kop__gte=0,
                    charges_kop__lte=models.F("charges_cap_kop"),
                ),
                name="credit_draw_within_bounds",
            ),
        ]
        indexes = [
            models.Index(fields=["credit_line", "principal_out_kop"], name="credit_draw_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_kop} on line {self.credit_line_id}"


class TransferStatus(models.TextChoices):
    SENT = "sent", _("Sent to the gateway")
    PENDING = "pending", _("Gateway did not answer; awaiting the result")
    PAID = "paid", _("Paid out")
    FAILED = "failed", _("Failed; the draw was reversed")


class CreditLineTransfer(PaidOut):
    """The payout order of a transfer draw: where the money goes and what the gateway said."""

    draw = models.OneToOneField(CreditLineDraw, on_delete=models.PROTECT, related_name="transfer")
    status = models.CharField(
        max_length=8, choices=TransferStatus.choices, default=TransferStatus.SENT, db_index=True
    )

    class Meta:
        db_table = "loans_creditlinetransfer"

    def __str__(self) -> str:
        return f"Card transfer {self.pk} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        """The gateway's key; the prefix keeps it apart from loans' `payout-<loan>-<n>`."""
        return build_key(TRANSFER_KEY_PREFIX, self.pk)


class CreditLineRepayment(models.Model):
    """A repayment of the line; one row per provider event."""

    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="repayments")
    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=120)
    amount_kop = models.BigIntegerField()
    interest_kop = models.BigIntegerField()
    principal_kop = models.BigIntegerField()
    penalty_kop = models.BigIntegerField(default=0)
    business_date = models.DateField()
    received_at = models.DateTimeField(auto_now_add=True)
    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="card_repayment"
    )

    class Meta:
        db_table = "loans_creditlinerepayment"
        ordering = ["credit_line", "business_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="credit_repayment_event_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount_kop__gt=0,
                    interest_kop__gte=0,
                    principal_kop__gte=0,
                    penalty_kop__gte=0,
                    amount_kop=models.F("interest_kop")
                    + models.F("principal_kop")
                    + models.F("penalty_kop"),
                ),
                name="credit_repayment_split",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class CreditLineLimitChange(models.Model):
    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="limit_changes"
    )
    old_limit_kop = models.BigIntegerField()
    new_limit_kop = models.BigIntegerField()
    reason = models.CharField(max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150, help_text="username or 'system'")
    business_date = models.DateField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "loans_creditlinelimitchange"
        ordering = ["credit_line", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(old_limit_kop__gt=0, new_limit_kop__gt=0),
                name="credit_limit_change_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.credit_line_id}: {self.old_limit_kop} → {self.new_limit_kop}"


class StatementStatus(models.TextChoices):
    DUE = "due", _("Minimum payment due")
    PAID = "paid", _("Minimum payment made (or none needed)")
    MISSED = "missed", _("Minimum payment missed")


class CreditLineStatement(models.Model):
    """A monthly statement: what moved in the period and the minimum payment it asks for.

    opening + draws + interest + penalty − payments = closing, all read from the ledger.
    """

    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField()
    opening_balance_kop = models.BigIntegerField()
    draws_kop = models.BigIntegerField()
    interest_kop = models.BigIntegerField()
    penalty_kop = models.BigIntegerField(default=0)
    payments_kop = models.BigIntegerField()
    closing_balance_kop = models.BigIntegerField()
    closing_principal_kop = models.BigIntegerField()
    closing_interest_kop = models.BigIntegerField()
    closing_penalty_kop = models.BigIntegerField(default=0)
    minimum_payment_kop = models.BigIntegerField()
    due_date = models.DateField()
    paid_kop = models.BigIntegerField(default=0, help_text="Paid since the statement")
    status = models.CharField(max_length=6, choices=StatementStatus.choices, db_index=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "loans_creditlinestatement"
        ordering = ["credit_line", "-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_line", "period_end"], name="credit_statement_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="credit_statement_period",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    closing_balance_kop__gte=0,
                    minimum_payment_kop__gte=0,
                    minimum_payment_kop__lte=models.F("closing_balance_kop"),
                ),
                name="credit_statement_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement {self.credit_line_id} {self.period_start} – {self.period_end}"
