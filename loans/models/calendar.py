from django.db import models


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
