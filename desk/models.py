"""Servicing by staff: what one person did or proposed on a loan, and who decided on it."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from loans.models import IncomingPayment, Loan

# 50 000 ₽: a manual payment above it waits for a second person.
DEFAULT_FOUR_EYES_ABOVE_KOP = 5_000_000


class ServicingPolicy(models.Model):
    """One row, edited by administrators in the admin."""

    payment_four_eyes_above_kop = models.BigIntegerField(
        _("manual payments above this need a second person (kopecks)"),
        default=DEFAULT_FOUR_EYES_ABOVE_KOP,
        help_text=_("A payment posted by staff of more than this waits for another's approval"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("servicing policy")
        verbose_name_plural = _("servicing policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(payment_four_eyes_above_kop__gte=0),
                name="servicing_threshold_not_negative",
            )
        ]

    def __str__(self) -> str:
        return str(_("Servicing policy"))

    @classmethod
    def current(cls) -> "ServicingPolicy":
        return cls.objects.get_or_create(pk=1)[0]


class ActionKind(models.TextChoices):
    PAYMENT = "payment", _("payment by bank transfer")
    REFUND = "refund", _("overpayment refund")
    PROLONGATION = "prolongation", _("prolongation")
    RESTRUCTURING = "restructuring", _("restructuring")
    WRITE_OFF = "write_off", _("write-off")


class ActionStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    DONE = "done", _("done")
    REJECTED = "rejected", _("rejected")


# The kinds of which a loan has at most one proposal waiting at a time.
ONE_PENDING_PER_LOAN = (ActionKind.REFUND, ActionKind.WRITE_OFF)


class ServicingAction(models.Model):
    """A servicing action by staff: done at once by one person, or proposed by one and approved
    (then done) or rejected by another."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="servicing_actions")
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    # Whether a second person decides; otherwise the action was done when it was made.
    four_eyes = models.BooleanField()
    # The payment's (or the prolongation's) amount; the refund's or the write-off's as proposed.
    amount_kop = models.BigIntegerField(null=True, blank=True)
    bank_reference = models.CharField(max_length=64, blank=True)
    received_on = models.DateField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    periods = models.PositiveSmallIntegerField(null=True, blank=True)
    period_days = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    payment = models.OneToOneField(
        IncomingPayment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("servicing action")
        verbose_name_plural = _("servicing actions")
        indexes = [
            models.Index(fields=["status", "proposed_at"], name="servicing_queue"),
            models.Index(fields=["proposed_at"], name="servicing_proposed_at"),
            models.Index(fields=["decided_at"], name="servicing_decided_at"),
        ]
        constraints = [
            # A bank transfer is posted once: its reference names one live action.
            models.UniqueConstraint(
                fields=["bank_reference"],
                condition=~Q(bank_reference="") & ~Q(status=ActionStatus.REJECTED),
                name="servicing_reference_once",
            ),
            models.UniqueConstraint(
                fields=["loan", "kind"],
                condition=Q(status=ActionStatus.PENDING, kind__in=ONE_PENDING_PER_LOAN),
                name="servicing_one_pending_per_loan",
            ),
            models.CheckConstraint(
                condition=Q(amount_kop__isnull=True) | Q(amount_kop__gt=0),
                name="servicing_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.PENDING) | Q(decided_at__isnull=False),
                name="servicing_decided_has_time",
            ),
            # The four-eyes rule, kept by the database too: nobody decides on their own.
            models.CheckConstraint(
                condition=~Q(decided_by=F("proposed_by")), name="servicing_not_own_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} №{self.pk}"
