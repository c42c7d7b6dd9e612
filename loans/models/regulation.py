from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models


class RegulationLimit(models.Model):
    """All limits for contracts signed in [valid_from, valid_to]; periods never overlap."""

    valid_from = models.DateField(unique=True)
    valid_to = models.DateField(null=True, blank=True)
    max_daily_rate_ppm = models.PositiveIntegerField(help_text="8000 = 0.8 % per day")
    max_psk_percent = models.DecimalField(max_digits=8, decimal_places=3)
    market_psk_check_enabled = models.BooleanField(
        default=True, help_text="Also cap ПСК at the Bank of Russia market average + 1/3"
    )
    charges_cap_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, help_text="Cap on all charges as a multiple of principal"
    )
    penalty_with_interest_annual_percent = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("20")
    )
    penalty_without_interest_daily_ppm = models.PositiveIntegerField(default=1000)
    high_psk_threshold_percent = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True
    )
    max_high_psk_loans = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Outstanding loans allowed above the threshold"
    )
    cooling_off_days = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    confirmed = models.BooleanField(default=True)

    class Meta:
        ordering = ["valid_from"]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"Limits {self.valid_from.isoformat()} – {end}"

    def clean(self) -> None:
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The period ends before it starts"})
        others = RegulationLimit.objects.exclude(pk=self.pk)
        far = self.valid_to or self.valid_from.replace(year=9999)
        overlapping = others.filter(valid_from__lte=far).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from)
        )
        if overlapping.exists():
            raise ValidationError("This period overlaps another set of limits")


class MarketAveragePsk(models.Model):
    """The Bank of Russia's average market ПСК for a loan category, per quarter."""

    category = models.CharField(max_length=40)
    valid_from = models.DateField()
    average_percent = models.DecimalField(max_digits=8, decimal_places=3)

    class Meta:
        ordering = ["category", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["category", "valid_from"], name="market_psk_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category} from {self.valid_from}: {self.average_percent} %"
