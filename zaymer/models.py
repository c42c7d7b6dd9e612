"""What the top floor keeps of its own: staff security and the dashboards' daily tables."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class MovementKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    PAYOUT = "payout", _("Payout")
    REFUND = "refund", _("Refund")


class SandboxMovement(models.Model):
    """Money the sandbox provider moved, kept by the sandbox itself (not by the lender's book)
    so that its settlement report can be exported by another process than the one that paid."""

    provider = models.CharField(_("provider"), max_length=32)
    event_id = models.CharField(_("provider's event id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=MovementKind.choices)
    amount_kop = models.BigIntegerField(_("amount, kopecks"))
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    business_date = models.DateField(_("business date"))
    our_reference = models.CharField(_("lender's reference"), max_length=120)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox provider movement")
        verbose_name_plural = _("sandbox provider movements")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="sandbox_movement_event_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "kind", "our_reference"], name="sandbox_movement_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_kop__gt=0), name="sandbox_movement_positive"
            ),
        ]
        indexes = [models.Index(fields=["provider", "business_date"], name="sandbox_movement_day")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id}"


class Reconciliation(models.Model):
    """One run of `reconcile_payments`: a provider's settlement report for a day against the
    book. Written once, whole, by the command; read-only for staff."""

    provider = models.CharField(_("provider"), max_length=32)
    business_date = models.DateField(_("business date"))
    file_name = models.CharField(_("file"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("rows in the file"))
    matched = models.PositiveIntegerField(_("rows matched"))
    differences = models.PositiveIntegerField(_("differences"))
    counts = models.JSONField(_("differences by kind"), default=dict)
    provider_net_kop = models.BigIntegerField(
        _("provider's net cash, kopecks"), help_text=_("payments less payouts and refunds")
    )
    booked_net_kop = models.BigIntegerField(
        _("booked net cash, kopecks"), help_text=_("payments less payouts and refunds")
    )
    created_at = models.DateTimeField(_("reconciled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reconciliation with the provider")
        verbose_name_plural = _("reconciliations with the provider")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["business_date"], name="reconciliation_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.business_date}"

    @property
    def reconciled(self) -> bool:
        return self.differences == 0


class DifferenceKind(models.TextChoices):
    MISSING_OURS = "missing_ours", _("Missing on our side")
    MISSING_THEIRS = "missing_theirs", _("Missing on the provider's side")
    AMOUNT = "amount", _("Amount mismatch")
    CURRENCY = "currency", _("Currency mismatch")
    DATE = "date", _("Booked on another date")
    DUPLICATE = "duplicate", _("Duplicate in the file")


class ReconciliationDifference(models.Model):
    reconciliation = models.ForeignKey(
        Reconciliation,
        on_delete=models.CASCADE,
        related_name="difference_rows",
        verbose_name=_("reconciliation"),
    )
    kind = models.CharField(_("difference"), max_length=16, choices=DifferenceKind.choices)
    movement = models.CharField(_("movement"), max_length=8, choices=MovementKind.choices)
    line = models.PositiveIntegerField(_("line in the file"), null=True, blank=True)
    event_id = models.CharField(_("provider's event id"), max_length=100, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    provider_amount_kop = models.BigIntegerField(_("provider's amount, kopecks"), null=True)
    booked_amount_kop = models.BigIntegerField(_("booked amount, kopecks"), null=True)
    provider_currency = models.CharField(_("provider's currency"), max_length=3, blank=True)
    booked_on = models.DateField(_("booked on"), null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.event_id or self.reference}"
