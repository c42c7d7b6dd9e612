"""What the top floor keeps of its own: staff security and the dashboards' daily tables."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class SecurityPolicy(models.Model):
    """One row, edited by administrators in the admin."""

    require_admin_totp = models.BooleanField(
        default=False,
        help_text="Staff must confirm a one-time code from an authenticator app to use the admin",
    )

    class Meta:
        verbose_name_plural = "security policy"

    def __str__(self) -> str:
        return "Security policy"

    @classmethod
    def current(cls) -> "SecurityPolicy":
        return cls.objects.get_or_create(pk=1)[0]


class DashboardSnapshot(models.Model):
    """The business dashboard's tables for one business date and period.

    Built once a day by the nightly run after close of business (or by the first visit, or on
    a risk manager's request), so the page reads one row instead of aggregating the whole
    book on every visit."""

    business_date = models.DateField()
    days = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField()
    build_ms = models.PositiveIntegerField()
    tables = models.JSONField(encoder=DjangoJSONEncoder)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business_date", "days"], name="dashboard_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Dashboards {self.business_date}, {self.days} days"
