"""The 230-FZ contact limits by date (the working days they depend on: `loans.workdays`)."""

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactRule(models.Model):
    """The contact limits in force on [valid_from, valid_to]; periods never overlap.

    Days, weeks (Monday to Sunday) and months are calendar periods in the debtor's time zone.
    """

    valid_from = models.DateField(unique=True)
    valid_to = models.DateField(null=True, blank=True)
    weekday_from = models.TimeField(default=time(8, 0))
    weekday_until = models.TimeField(default=time(22, 0))
    holiday_from = models.TimeField(default=time(9, 0), help_text=_("Weekends and holidays"))
    holiday_until = models.TimeField(default=time(20, 0), help_text=_("Weekends and holidays"))
    calls_per_day = models.PositiveSmallIntegerField(help_text=_("People and robots together"))
    calls_per_week = models.PositiveSmallIntegerField()
    calls_per_month = models.PositiveSmallIntegerField()
    messages_per_day = models.PositiveSmallIntegerField(
        help_text=_("SMS, messengers, voice messages")
    )
    messages_per_week = models.PositiveSmallIntegerField()
    messages_per_month = models.PositiveSmallIntegerField()
    visits_per_week = models.PositiveSmallIntegerField()
    count_unanswered_calls = models.BooleanField(
        default=False,
        help_text=_("Count calls nobody answered (or a wrong number) toward the call limits"),
    )
    refusal_after_days = models.PositiveSmallIntegerField(
        default=120, help_text=_("Days overdue after which the debtor may refuse interaction")
    )
    source = models.CharField(max_length=200, blank=True)
    confirmed = models.BooleanField(default=True)

    class Meta:
        ordering = ["valid_from"]

    def __str__(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"Contact rules {self.valid_from.isoformat()} – {end}"

    def clean(self) -> None:
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The period ends before it starts")})
        if self.weekday_from >= self.weekday_until or self.holiday_from >= self.holiday_until:
            raise ValidationError(_("Allowed hours must start before they end"))
        far = self.valid_to or self.valid_from.replace(year=9999)
        overlapping = (
            ContactRule.objects.exclude(pk=self.pk)
            .filter(valid_from__lte=far)
            .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=self.valid_from))
        )
        if overlapping.exists():
            raise ValidationError(_("This period overlaps another set of contact rules"))
