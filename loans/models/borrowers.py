import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kernel.masking import mask_name

phone_validator = RegexValidator(
    r"^\+[1-9]\d{9,14}$", "Phone must be in E.164 format, e.g. +79161234567"
)
passport_series_validator = RegexValidator(r"^\d{4}$", "Passport series is 4 digits")
passport_number_validator = RegexValidator(r"^\d{6}$", "Passport number is 6 digits")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"Unknown IANA time zone: {value}")


def age_years(birth_date, on) -> int:
    """Full years of age on a date."""
    years = on.year - birth_date.year
    return years - ((on.month, on.day) < (birth_date.month, birth_date.day))


class Region(models.Model):
    """A subject of the Russian Federation with what the rules need to know about it."""

    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    average_income_kop = models.BigIntegerField(
        help_text="Average monthly per-capita income, kopecks (ПДН rule from 2026-01-01)"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    PENSIONER = "pensioner", _("Pensioner")
    STUDENT = "student", _("Student")
    UNEMPLOYED = "unemployed", _("Unemployed")


class Borrower(models.Model):
    full_name = models.CharField(max_length=200)
    birth_date = models.DateField()
    phone = models.CharField(max_length=16, unique=True, validators=[phone_validator])
    email = models.EmailField(blank=True)
    passport_series = models.CharField(max_length=4, validators=[passport_series_validator])
    passport_number = models.CharField(max_length=6, validators=[passport_number_validator])
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="borrowers")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    employment = models.CharField(max_length=20, choices=Employment.choices)
    declared_income_kop = models.BigIntegerField()
    confirmed_income_kop = models.BigIntegerField(null=True, blank=True)
    self_ban_active = models.BooleanField(
        null=True,
        blank=True,
        help_text="As last reported by the credit bureaus; empty = never asked",
    )
    self_ban_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the credit bureaus last answered about this borrower"
    )
    bureau_high_psk_loans = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Outstanding loans with a high ПСК the bureaus reported at their last answer "
        "(545-FZ); empty = not asked",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["passport_series", "passport_number"], name="borrower_passport_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(declared_income_kop__gte=0), name="borrower_income_non_negative"
            ),
        ]

    def __str__(self) -> str:
        # Surname and initials only: a row's name shows in lists, links and history.
        return gettext("%(name)s (borrower #%(pk)s)") % {
            "name": mask_name(self.full_name),
            "pk": self.pk,
        }
