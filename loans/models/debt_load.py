"""The debt load (ПДН) kept with the contract, with the inputs it came from."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.loan import Loan


class IncomeRule(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed income")
    DECLARED = "declared", _("declared income")
    REGIONAL_AVERAGE = "regional_average", _("regional average income, below the declared")


class PaymentsSource(models.TextChoices):
    SCORING = "scoring", _("as the scoring robot counted them (bureaus and own loans)")
    INTERNAL = "internal", _("the lender's own open loans only")


class DebtLoad(models.Model):
    """ПДН = (other monthly payments + this loan's) ÷ monthly income × 100 %, kept exactly:
    the sum and the income are stored, and the 50 % comparison is done on them in integers.
    Refreshed while the offer is open, frozen when it is signed."""

    loan = models.OneToOneField(Loan, on_delete=models.PROTECT, related_name="debt_load")
    other_payments_kop = models.BigIntegerField(help_text=_("Other loans' monthly payments"))
    other_payments_source = models.CharField(max_length=16, choices=PaymentsSource.choices)
    new_payment_kop = models.BigIntegerField(help_text=_("This loan's average monthly payment"))
    income_kop = models.BigIntegerField(help_text=_("The monthly income the rule chose"))
    income_rule = models.CharField(max_length=20, choices=IncomeRule.choices)
    declared_income_kop = models.BigIntegerField()
    confirmed_income_kop = models.BigIntegerField(null=True, blank=True)
    regional_average_kop = models.BigIntegerField(null=True, blank=True)
    computed_on = models.DateField(help_text=_("Business date of the terms it was computed for"))
    frozen = models.BooleanField(default=False, help_text=_("Signed: never recomputed"))
    notice_acknowledged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("debt load (ПДН)")
        verbose_name_plural = _("debt loads (ПДН)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(income_kop__gt=0), name="debt_load_income_positive"
            )
        ]

    def __str__(self) -> str:
        return f"ПДН #{self.loan_id}: {self.percent} %"

    @property
    def payments_kop(self) -> int:
        return self.other_payments_kop + self.new_payment_kop

    @property
    def percent(self) -> Decimal:
        """The exact ratio as a Decimal (28 significant digits: display only)."""
        return Decimal(self.payments_kop * 100) / Decimal(self.income_kop)

    @property
    def needs_notice(self) -> bool:
        """Above 50 %, compared exactly: payments × 100 > 50 × income."""
        return self.payments_kop * 100 > 50 * self.income_kop
