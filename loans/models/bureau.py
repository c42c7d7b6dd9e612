"""The credit-history outbox (218-FZ): every reportable event of a loan or a card, and one
submission of it per bureau, written in the same transaction as the event itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BureauEventKind(models.TextChoices):
    APPLICATION = "application", _("application")
    REFUSED = "refused", _("application refused")
    APPROVED = "approved", _("application approved")
    NOT_TAKEN = "not_taken", _("approved, not taken")
    SIGNED = "signed", _("contract signed")
    ISSUED = "issued", _("money issued")
    PAYMENT = "payment", _("payment")
    MISSED_PAYMENT = "missed_payment", _("missed payment")
    DPD_CHANGE = "dpd_change", _("days past due changed")
    PROLONGATION = "prolongation", _("prolongation")
    RESTRUCTURING = "restructuring", _("restructuring")
    CLOSED = "closed", _("closed")
    WRITTEN_OFF = "written_off", _("written off")
    ASSIGNED = "assigned", _("debt assigned")
    # The card's own: a freeze stops new draws, and the limit is a term of the contract.
    FROZEN = "frozen", _("card frozen")
    UNFROZEN = "unfrozen", _("card unfrozen")
    LIMIT_CHANGED = "limit_changed", _("credit limit changed")
    CORRECTION = "correction", _("correction")
    CANCELLATION = "cancellation", _("cancellation")


class SubmissionStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REJECTED = "rejected", _("rejected by the bureau")
    FAILED = "failed", _("not delivered (retries used up)")
    SUPERSEDED = "superseded", _("corrected or cancelled by a later event")


class BureauEvent(models.Model):
    kind = models.CharField(_("event"), max_length=20, choices=BureauEventKind.choices)
    loan = models.ForeignKey(
        "loans.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credit_line = models.ForeignKey(
        "cards.CreditLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    borrower = models.ForeignKey("loans.Borrower", on_delete=models.PROTECT, related_name="+")
    credit_uid = models.CharField("УИд", max_length=38, blank=True)
    occurred_on = models.DateField(_("business date of the event"))
    created_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("credit bureau event")
        verbose_name_plural = _("credit bureau events")
        indexes = [models.Index(fields=["loan", "kind"], name="bureau_event_loan")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class BureauSubmission(models.Model):
    """One event on its way to one bureau: retried with backoff until acknowledged or
    rejected (with the bureau's reason); a rejected one is corrected by a new event."""

    event = models.ForeignKey(BureauEvent, on_delete=models.PROTECT, related_name="submissions")
    bureau = models.CharField(_("bureau"), max_length=20)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    deadline = models.DateField(_("deadline"), help_text=_("The last working day to report on"))
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    reason = models.CharField(_("the bureau's reason"), max_length=300, blank=True)
    receipt = models.CharField(_("the bureau's receipt"), max_length=80, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("submission to a credit bureau")
        verbose_name_plural = _("submissions to credit bureaus")
        constraints = [
            models.UniqueConstraint(fields=["event", "bureau"], name="bureau_submission_unique")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="bureau_due")]

    def __str__(self) -> str:
        return f"{self.bureau}: {self.event} ({self.status})"
