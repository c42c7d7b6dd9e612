from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models import Loan


class ReminderStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENT = "sent", _("Sent")
    REFUSED = "refused", _("Refused by the contact rules")


class PreCollectionReminder(models.Model):
    """A reminder before a due date to a borrower the pre-collection score expects to be late.

    Planned by the daily step for the first allowed moment in the borrower's time zone and
    sent by `collection.tasks.send_planned_reminders` once that moment comes.
    """

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    lateness_probability = models.FloatField()
    method = models.CharField(max_length=60, help_text=_("Model version, or the rule fallback"))
    send_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=ReminderStatus.choices, default=ReminderStatus.PLANNED
    )
    reason = models.CharField(max_length=300, blank=True)
    created_on = models.DateField()

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "due_date"], name="collection_reminder_once")
        ]
        indexes = [models.Index(fields=["status", "send_at"], name="collection_reminder_due")]

    def __str__(self) -> str:
        return f"Reminder for loan #{self.loan_id} due {self.due_date.isoformat()}"


class CollectionDay(models.Model):
    """The collection steps ran for this closed business date (COB catches up in order)."""

    business_date = models.DateField(unique=True)
    finished_at = models.DateTimeField()
    steps = models.JSONField(default=dict)

    class Meta:
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"Collection day {self.business_date.isoformat()}"
