from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from collection.models.cases import CollectionCase


class PromiseStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    SUPERSEDED = "superseded", _("Replaced by a later promise")


class PromiseToPay(models.Model):
    """The debtor promises `amount_kop` by `promised_on`; payments from `made_on` count."""

    case = models.ForeignKey(CollectionCase, on_delete=models.PROTECT, related_name="promises")
    amount_kop = models.BigIntegerField()
    promised_on = models.DateField()
    made_on = models.DateField(help_text=_("Business date the promise was made"))
    status = models.CharField(
        max_length=12, choices=PromiseStatus.choices, default=PromiseStatus.PENDING
    )
    paid_kop = models.BigIntegerField(default=0, help_text=_("Paid since it was made"))
    resolved_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="collection_one_pending_promise",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_kop__gt=0), name="collection_promise_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Promise #{self.pk} by {self.promised_on.isoformat()} ({self.status})"
