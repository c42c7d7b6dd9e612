from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from loans.money import ppm_to_rate


class ProductKind(models.TextChoices):
    PDL = "pdl", _("Payday loan (one repayment)")
    IL = "il", _("Installment loan (annuity)")


class PenaltyMode(models.TextChoices):
    ANNUAL_WITH_INTEREST = "annual_with_interest", _("Up to 20 % p.a. while interest accrues")
    DAILY_WITHOUT_INTEREST = "daily_without_interest", _("Up to 0.1 %/day, interest stops")


class Product(models.Model):
    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=3, choices=ProductKind.choices)
    min_amount_kop = models.BigIntegerField()
    max_amount_kop = models.BigIntegerField()
    min_term_days = models.PositiveIntegerField()
    max_term_days = models.PositiveIntegerField()
    daily_rate_ppm = models.PositiveIntegerField(
        help_text="Daily rate in millionths: 8000 = 0.8 % per day"
    )
    penalty_mode = models.CharField(
        max_length=32, choices=PenaltyMode.choices, default=PenaltyMode.ANNUAL_WITH_INTEREST
    )
    period_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Installment period in days (IL only)"
    )
    max_prolongations = models.PositiveIntegerField(default=0)
    prolongation_fee_kop = models.BigIntegerField(default=0)
    signing_fee_kop = models.BigIntegerField(
        default=0, help_text="Fee taken at signing, deducted from the payout (kopecks)"
    )
    first_period_min_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Shortest first period a borrower may choose (IL only)"
    )
    first_period_max_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Longest first period a borrower may choose (IL only)"
    )
    repeat_only = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    min_amount_kop__gt=0, max_amount_kop__gte=models.F("min_amount_kop")
                ),
                name="product_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    min_term_days__gt=0, max_term_days__gte=models.F("min_term_days")
                ),
                name="product_term_range",
            ),
            models.CheckConstraint(
                condition=models.Q(signing_fee_kop__gte=0), name="product_signing_fee_non_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    first_period_min_days__isnull=True, first_period_max_days__isnull=True
                )
                | models.Q(
                    first_period_min_days__gt=0,
                    first_period_max_days__gte=models.F("first_period_min_days"),
                ),
                name="product_first_period_range",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def daily_rate(self):
        return ppm_to_rate(self.daily_rate_ppm)

    def clean(self) -> None:
        if self.kind == ProductKind.IL and not self.period_days:
            raise ValidationError({"period_days": "An installment product needs a payment period"})
        if self.kind == ProductKind.PDL and self.period_days:
            raise ValidationError({"period_days": "A payday loan has one repayment, no period"})
        if self.kind == ProductKind.PDL and self.first_period_max_days:
            raise ValidationError(
                {"first_period_max_days": "A payday loan has one repayment, no first period"}
            )
