from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.loan import Loan


class Account(models.TextChoices):
    """Chart of accounts. Per-loan accounts carry the loan on the line; company ones do not.

    Lines are signed: debit positive, credit negative; every entry sums to zero.
    """

    LOAN_PRINCIPAL = "loan_principal", _("Loan principal receivable")
    LOAN_INTEREST = "loan_interest", _("Loan interest receivable")
    LOAN_PENALTY = "loan_penalty", _("Loan penalty receivable")
    LOAN_FEES = "loan_fees", _("Loan fees receivable")
    BORROWER_OVERPAYMENT = "borrower_overpayment", _("Borrower overpayment held (liability)")
    CASH = "cash", _("Cash at the payment provider")
    PAYOUTS_IN_TRANSIT = "payouts_in_transit", _("Payouts in transit")
    INTEREST_INCOME = "interest_income", _("Interest income")
    PENALTY_INCOME = "penalty_income", _("Penalty income")
    FEE_INCOME = "fee_income", _("Fee income")
    WRITE_OFF_EXPENSE = "write_off_expense", _("Write-off expense")
    ASSIGNMENT_RECEIVABLE = "assignment_receivable", _("Price of assigned debts due from buyers")
    CARD_PRINCIPAL = "card_principal", _("Credit line principal receivable")
    CARD_INTEREST = "card_interest", _("Credit line interest receivable")
    CARD_PENALTY = "card_penalty", _("Credit line penalty receivable")
    CARD_SETTLEMENT = "card_settlement", _("Card purchases to settle with the card scheme")
    CARD_REFUND_DUE = "card_refund_due", _("Card repayments to refund (liability)")


LOAN_ACCOUNTS = frozenset(
    {
        Account.LOAN_PRINCIPAL,
        Account.LOAN_INTEREST,
        Account.LOAN_PENALTY,
        Account.LOAN_FEES,
        Account.BORROWER_OVERPAYMENT,
    }
)
# Per-credit-line accounts: their lines carry the credit line.
CREDIT_LINE_ACCOUNTS = frozenset(
    {Account.CARD_PRINCIPAL, Account.CARD_INTEREST, Account.CARD_PENALTY, Account.CARD_REFUND_DUE}
)


class JournalEntry(models.Model):
    key = models.CharField(max_length=120, unique=True, help_text="Idempotency key")
    kind = models.CharField(max_length=32)
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, null=True, blank=True, related_name="journal_entries"
    )
    credit_line = models.ForeignKey(
        "cards.CreditLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        db_index=False,  # entry_credit_line below, without the loans' entries
    )
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    memo = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "journal entries"
        # COB writes an entry for nearly every live loan each day: each index here is a million
        # insertions a night, so those that would only hold NULLs leave them out.
        indexes = [
            models.Index(fields=["business_date", "kind"], name="entry_date_kind"),
            models.Index(
                fields=["credit_line"],
                name="entry_credit_line",
                condition=models.Q(credit_line__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.key


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    # The two foreign keys are looked up through the (owner, account) indexes below, which lead
    # with them; a line of a company account (income, cash) is in neither.
    loan = models.ForeignKey(
        Loan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_lines",
        db_index=False,
    )
    credit_line = models.ForeignKey(
        "cards.CreditLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_lines",
        db_index=False,
    )
    account = models.CharField(max_length=24, choices=Account.choices)
    amount_kop = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["loan", "account"],
                name="line_loan_account",
                condition=models.Q(loan__isnull=False),
            ),
            models.Index(
                fields=["credit_line", "account"],
                name="line_credit_account",
                condition=models.Q(credit_line__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_kop}"


class TrialBalance(models.Model):
    """One account's balance for one owner at the end of a business day, as COB stored it:
    the day before's balance plus the day's journal lines. The daily ledger proof starts from
    the day before's rows instead of reading every journal line ever written.

    The owner is a loan, a credit line, or neither (the company's accounts), as plain ids
    (0 for none): a snapshot is a copy, and foreign keys would have PostgreSQL check millions
    of rows each night. Only balances that are not zero are kept."""

    business_date = models.DateField()
    account = models.CharField(max_length=24, choices=Account.choices)
    loan_id = models.BigIntegerField(default=0)
    credit_line_id = models.BigIntegerField(default=0)
    balance_kop = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "account", "loan_id", "credit_line_id"],
                name="trial_balance_day_account_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.account} {self.balance_kop}"
