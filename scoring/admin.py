from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.errors import DomainError
from scoring import services
from scoring.models import (
    CutOff,
    ModelStatus,
    ModelTransition,
    ModelVersion,
    ProductRiskPolicy,
    PromotionThresholds,
    ScoreResult,
    ShadowScore,
)


class ModelTransitionInline(admin.TabularInline):
    model = ModelTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "actor_label", "reason", "at"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "version",
        "status",
        "auc",
        "rows_train",
        "rows_test",
        "trained_by_label",
        "promoted_by_label",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    actions = ["promote_to_champion", "promote_to_challenger", "retire"]
    inlines = [ModelTransitionInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ModelVersion._meta.fields]

    def has_add_permission(self, request):
        return False  # models come from train_scoring_model, never typed in

    def _one(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one model"), messages.ERROR)
            return None
        return queryset.get()

    def _promote(self, request, queryset, role):
        model = self._one(request, queryset)
        if model is None:
            return
        try:
            services.model_promote(model=model, kind=model.kind, role=role, approver=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(
                request, _("%(model)s is now the %(role)s") % {"model": model, "role": role}
            )

    @admin.action(description=gettext_lazy("Promote to champion"), permissions=["change"])
    def promote_to_champion(self, request, queryset):
        self._promote(request, queryset, ModelStatus.CHAMPION)

    @admin.action(description=gettext_lazy("Score as challenger (shadow)"), permissions=["change"])
    def promote_to_challenger(self, request, queryset):
        self._promote(request, queryset, ModelStatus.CHALLENGER)

    @admin.action(description=gettext_lazy("Retire"), permissions=["change"])
    def retire(self, request, queryset):
        model = self._one(request, queryset)
        if model is None:
            return
        try:
            services.model_retire(model=model, actor=request.user, reason=_("admin action"))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, _("%(model)s retired") % {"model": model})


@admin.register(PromotionThresholds)
class PromotionThresholdsAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "min_auc",
        "min_ks",
        "max_brier_ratio",
        "max_calibration_error",
        "min_holdout_rows",
    ]


@admin.register(CutOff)
class CutOffAdmin(admin.ModelAdmin):
    list_display = [
        "segment",
        "product",
        "approve_below_pd",
        "refer_below_pd",
        "max_expected_loss_kop",
        "lgd",
    ]
    list_filter = ["segment"]


@admin.register(ProductRiskPolicy)
class ProductRiskPolicyAdmin(admin.ModelAdmin):
    list_display = ["product", "min_age", "max_age", "allows_concurrent_loans", "max_pdn_percent"]


class ShadowScoreInline(admin.TabularInline):
    model = ShadowScore
    extra = 0
    can_delete = False
    readonly_fields = ["model_version", "pd", "points", "decision", "created_at"]


@admin.register(ScoreResult)
class ScoreResultAdmin(admin.ModelAdmin):
    list_display = [
        "loan",
        "decision",
        "segment",
        "method",
        "pd",
        "points",
        "approved_amount_kop",
        "latency_ms",
        "created_at",
    ]
    list_filter = ["decision", "segment", "method"]
    list_select_related = ["loan"]
    search_fields = ["loan__id"]
    exclude = ["snapshot"]  # shown as features and facts instead
    readonly_fields = [
        "loan",
        "purpose",
        "model_version",
        "method",
        "segment",
        "pd",
        "points",
        "decision",
        "requested_amount_kop",
        "approved_amount_kop",
        "reasons",
        "policy",
        "latency_ms",
        "bureau_ms",
        "created_at",
        "features",
    ]
    inlines = [ShadowScoreInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("bureau_attributes")

    @admin.display(description="Features (without the bureau vector)")
    def features(self, obj):
        return {"features": obj.snapshot["features"], "facts": obj.snapshot["facts"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
