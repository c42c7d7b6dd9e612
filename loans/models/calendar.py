from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessDate(models.Model):
    """The lender's open business day: a single row, moved only by close-of-business."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    date = models.DateField()

    def __str__(self) -> str:
        return self.date.isoformat()


class CobRun(models.Model):
    """One close-of-business for one business date; a finished row is never run again."""

    business_date = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    steps = models.JSONField(default=dict, help_text="rows touched and seconds per step")

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"COB {self.business_date}"


class CalendarOverride(models.Model):
    """An administrator's entry in the production calendar, over what the `holidays` library
    says: a day made working or non-working by a government decree the library does not know
    yet. One entry per day; an entry also confirms its year's calendar."""

    day = models.DateField(
        _("day"),
        unique=True,
        error_messages={"unique": _("This day already has an entry in the production calendar")},
    )
    is_working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    decree = models.CharField(
        _("decree"),
        max_length=200,
        help_text=_("The act that set this day, e.g. the government's decree on transferred days"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("production calendar override")
        verbose_name_plural = _("production calendar overrides")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} {'working' if self.is_working else 'day off'}"
