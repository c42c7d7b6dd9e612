from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models import Loan, Product


class ModelKind(models.TextChoices):
    APPLICATION = "application", _("Application")
    PRE_COLLECTION = "pre_collection", _("Pre-collection")
    COLLECTION = "collection", _("Collection")


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    CHAMPION = "champion", _("Champion")
    CHALLENGER = "challenger", _("Challenger")
    RETIRED = "retired", _("Retired")


class ModelVersion(models.Model):
    """A trained model: its artifact (checked by SHA-256 on load) and how well it did."""

    kind = models.CharField(max_length=20, choices=ModelKind.choices)
    version = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE, db_index=True
    )
    algorithm = models.CharField(max_length=60)
    features = models.JSONField(help_text="Input feature names, in the artifact's order")
    source = models.CharField(max_length=200, help_text="database, or the CSV file trained on")
    target = models.CharField(max_length=120, blank=True)
    trained_from = models.DateField(null=True, blank=True, help_text="Training window")
    trained_to = models.DateField(null=True, blank=True)
    rows_train = models.PositiveIntegerField()
    rows_test = models.PositiveIntegerField()
    bad_rate_train = models.FloatField()
    sklearn_version = models.CharField(max_length=20)
    metrics = models.JSONField(help_text="Holdout: auc, gini, ks, brier, calibration by decile")
    score_sample = models.JSONField(
        default=list, help_text="Holdout points scores: the PSI baseline for monitoring"
    )
    feature_sample = models.JSONField(
        default=dict, help_text="Training values of the top features: PSI baselines"
    )
    artifact_path = models.CharField(max_length=300, help_text="Relative to the artifacts folder")
    artifact_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("trained by"),
    )
    trained_by_label = models.CharField(
        _("trained by (name)"), max_length=150, blank=True, help_text=_("system: the demo robot")
    )
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
        help_text=_("The risk manager who approved the promotion (never the trainer)"),
    )
    promoted_by_label = models.CharField(_("approved by (name)"), max_length=150, blank=True)
    promoted_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    gates = models.JSONField(
        _("promotion gates"),
        default=dict,
        blank=True,
        help_text=_("What the last promotion checked: inputs, thresholds and values, PSI"),
    )
    psi_vs_champion = models.FloatField(
        _("PSI against the champion's population"),
        null=True,
        blank=True,
        help_text=_("Its scores on the champion's applicants against its own training scores"),
    )

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="model_version_unique"),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status="champion"),
                name="one_champion_per_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(status="challenger"),
                name="one_challenger_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} ({self.status})"

    @property
    def auc(self) -> float | None:
        return self.metrics.get("auc")


class PromotionThresholds(models.Model):
    """What a model's holdout must show before it may become the champion of its kind."""

    kind = models.CharField(_("kind"), max_length=20, choices=ModelKind.choices, unique=True)
    min_auc = models.FloatField(_("minimum AUC"), default=0.62)
    min_ks = models.FloatField(_("minimum KS"), default=0.15)
    max_brier_ratio = models.FloatField(
        _("maximum Brier ratio"),
        default=0.99,
        help_text=_(
            "Holdout Brier score over the Brier score of a constant PD (the training bad rate); "
            "below 1 the model beats the constant"
        ),
    )
    max_calibration_error = models.FloatField(
        _("maximum calibration error"),
        default=0.06,
        help_text=_("Mean |predicted PD − observed bad rate| over the holdout deciles"),
    )
    min_holdout_rows = models.PositiveIntegerField(_("minimum holdout rows"), default=100)

    class Meta:
        verbose_name = _("promotion thresholds")
        verbose_name_plural = _("promotion thresholds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    min_auc__gte=0.5,
                    min_auc__lte=1,
                    min_ks__gte=0,
                    min_ks__lte=1,
                    max_brier_ratio__gt=0,
                    max_calibration_error__gte=0,
                ),
                name="promotion_thresholds_range",
            )
        ]

    def __str__(self) -> str:
        return str(_("Thresholds for %(kind)s") % {"kind": self.get_kind_display()})


class ModelTransition(models.Model):
    """Every change of a model's role: who, when, why, and what the gates measured."""

    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ModelStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ModelStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by (name)"), max_length=150)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("model transition")

    def __str__(self) -> str:
        return f"{self.model_version}: {self.from_status} → {self.to_status}"


class Segment(models.TextChoices):
    NEW = "new", _("New borrower")
    REPEAT = "repeat", _("Repeat borrower")


class CutOff(models.Model):
    """PD cut-offs for a segment: below `approve_below_pd` approve, below `refer_below_pd` refer
    to an underwriter, otherwise decline. A row for a product beats the segment's default row."""

    segment = models.CharField(max_length=10, choices=Segment.choices)
    product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="Empty: every product without its own row",
    )
    approve_below_pd = models.DecimalField(max_digits=5, decimal_places=4)
    refer_below_pd = models.DecimalField(max_digits=5, decimal_places=4)
    max_expected_loss_kop = models.BigIntegerField(
        help_text="PD × LGD × amount may not exceed this; the offered amount is cut to fit"
    )
    lgd = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.800"), help_text="Loss given default"
    )

    class Meta:
        ordering = ["segment", "product"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "product"], name="cutoff_segment_product"),
            models.UniqueConstraint(
                fields=["segment"],
                condition=models.Q(product__isnull=True),
                name="cutoff_segment_default",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    approve_below_pd__gte=0,
                    refer_below_pd__gte=models.F("approve_below_pd"),
                    refer_below_pd__lte=1,
                ),
                name="cutoff_pd_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment} / {self.product or 'all products'}"

    def clean(self) -> None:
        if self.refer_below_pd < self.approve_below_pd:
            raise ValidationError("The referral cut-off must not be below the approval cut-off")


class ProductRiskPolicy(models.Model):
    """What the decision needs to know about a product that the product row does not hold."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="risk_policy")
    min_age = models.PositiveSmallIntegerField(default=18)
    max_age = models.PositiveSmallIntegerField(default=75)
    allows_concurrent_loans = models.BooleanField(
        default=False, help_text="May a borrower with an open loan take this one too?"
    )
    max_pdn_percent = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("80.00"), help_text="Debt load limit"
    )

    class Meta:
        verbose_name_plural = "product risk policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(min_age__gte=18), name="risk_policy_adult")
        ]

    def __str__(self) -> str:
        return f"Risk policy of {self.product}"


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REFER = "refer", _("Refer to underwriting")
    DECLINE = "decline", _("Decline")


class Purpose(models.TextChoices):
    APPLICATION = "application", _("Application decision")


class ScoreResult(models.Model):
    """One decision: what was known (snapshot), what the model said, and why."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="score_results")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.APPLICATION)
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )
    method = models.CharField(max_length=20, help_text="model, or rules when no champion")
    segment = models.CharField(max_length=10, choices=Segment.choices)
    pd = models.FloatField(null=True, blank=True)
    points = models.IntegerField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, db_index=True)
    requested_amount_kop = models.BigIntegerField()
    approved_amount_kop = models.BigIntegerField(null=True, blank=True)
    reasons = models.JSONField(help_text="[{code, text}]: hard rules first, then top factors")
    snapshot = models.JSONField(help_text="Every input of the decision, to re-explain it")
    bureau_attributes = models.BinaryField(
        help_text="The primary bureau's wide attribute vector, little-endian float64"
    )
    policy = models.JSONField(help_text="The cut-offs and limits that applied")
    latency_ms = models.FloatField(help_text="Features, model and rules")
    bureau_ms = models.FloatField(default=0, help_text="Asking the bureaus")
    business_date = models.DateField(db_index=True, help_text="The business date decided on")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "purpose"], name="score_result_once")
        ]

    def __str__(self) -> str:
        return f"Loan #{self.loan_id}: {self.decision}"


class ShadowScore(models.Model):
    """What the challenger would have said; logged, never used."""

    score_result = models.ForeignKey(
        ScoreResult, on_delete=models.CASCADE, related_name="shadow_scores"
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    pd = models.FloatField()
    points = models.IntegerField()
    decision = models.CharField(max_length=10, choices=Decision.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["score_result", "model_version"], name="shadow_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"Shadow {self.model_version_id} for {self.score_result_id}"
