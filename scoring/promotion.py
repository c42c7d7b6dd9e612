"""The gates a model passes before it becomes a champion, and the second pair of eyes.

- Inputs: every feature the model needs is produced by its kind's feature builder (a model
  trained on a CSV whose columns were not mapped to the builder's names is refused: at
  decision time it would see nothing but missing values and give everyone the same PD).
- Holdout: AUC, KS, Brier against a constant PD and calibration error within the kind's
  PromotionThresholds (editable in the admin), on at least its minimum of holdout rows; the
  cross-validation folds' mean AUC, KS and Brier ratio within the same limits.
- Population: the PSI of its scores on the applicants the kind sees now (the latest decisions,
  taken by the champion or by the rules) against its own training scores, stored with it.
- Approver: a member of the risk_manager group who did not train it.
"""

from dataclasses import asdict, dataclass

import numpy as np
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from kernel.roles import RISK_MANAGER
from scoring.bureau import ATTRIBUTE_PREFIX, MAX_WIDTH, attribute_name
from scoring.features import CATEGORICAL, LABELS
from scoring.inference import CompiledModel, points
from scoring.kinds import registered_kind
from scoring.models import ModelKind, ModelVersion, PromotionThresholds, ScoreResult
from scoring.monitoring import psi
from scoring.policy import model_row
from scoring.snapshot import unpack_attributes

PSI_POPULATION = 1_000
AT_LEAST = ("holdout_rows", "auc", "ks", "cv_auc", "cv_ks")


class PromotionRefused(DomainError):
    code = "promotion_refused"


def builder_features(kind: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(numeric, categorical) names the kind's feature builder produces; None: no builder yet
    (such a kind stays on its rules whatever model is trained for it)."""
    if kind == ModelKind.APPLICATION:
        return frozenset(LABELS) - frozenset(CATEGORICAL), frozenset(CATEGORICAL)
    spec = registered_kind(kind)
    return None if spec is None else (spec.numeric, spec.categorical)


def _is_attribute(name: str) -> bool:
    suffix = name.removeprefix(ATTRIBUTE_PREFIX)
    return (
        name.startswith(ATTRIBUTE_PREFIX)
        and suffix.isdigit()
        and int(suffix) < MAX_WIDTH
        and attribute_name(int(suffix)) == name
    )


def input_problems(model: CompiledModel, *, kind: str) -> list[str]:
    """What is wrong with the model's inputs for `kind`; empty when the builder feeds them all."""
    produced = builder_features(kind)
    if produced is None:
        return [_("the kind '%(kind)s' has no feature builder yet") % {"kind": kind}]
    numeric, categorical = produced
    problems = []
    foreign = [n for n in model.numeric if n not in numeric and not _is_attribute(n)]
    foreign += [n for n in model.categorical if n not in categorical and n not in numeric]
    if foreign:
        shown = ", ".join(foreign[:10]) + ("…" if len(foreign) > 10 else "")
        problems.append(
            _(
                "%(count)s of its %(total)s inputs are not produced by the %(kind)s feature "
                "builder (%(shown)s); map the CSV's columns to the builder's names with "
                "--map COLUMN=FEATURE when training"
            )
            % {"count": len(foreign), "total": len(model.features), "kind": kind, "shown": shown}
        )
    mistyped = [n for n in model.numeric if n in categorical]
    mistyped += [n for n in model.categorical if n in numeric]
    if mistyped:
        problems.append(
            _("inputs of the wrong type (number against category): %(names)s")
            % {"names": ", ".join(mistyped)}
        )
    return problems


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    limit: float
    passed: bool


def thresholds_for(kind: str) -> PromotionThresholds:
    """The kind's row; the model's defaults if the risk team deleted it."""
    return PromotionThresholds.objects.filter(kind=kind).first() or PromotionThresholds(kind=kind)


def metric_checks(version: ModelVersion, thresholds: PromotionThresholds) -> list[Check]:
    """The holdout's figures, then the training part's folds' means against the same limits
    (a holdout that passes by luck on a few rows does not carry a model whose folds fail)."""
    m = version.metrics
    cv = m.get("cross_validation") or {}

    def at_least(name, value, limit):
        return Check(name, value, limit, value is not None and value >= limit)

    def at_most(name, value, limit):
        return Check(name, value, limit, value is not None and value <= limit)

    return [
        at_least("holdout_rows", version.rows_test, thresholds.min_holdout_rows),
        at_least("auc", m.get("auc"), thresholds.min_auc),
        at_least("ks", m.get("ks"), thresholds.min_ks),
        at_most("brier_ratio", m.get("brier_ratio"), thresholds.max_brier_ratio),
        at_most("calibration_error", m.get("calibration_error"), thresholds.max_calibration_error),
        at_least("cv_auc", cv.get("auc_mean"), thresholds.min_auc),
        at_least("cv_ks", cv.get("ks_mean"), thresholds.min_ks),
        at_most("cv_brier_ratio", cv.get("brier_ratio_mean"), thresholds.max_brier_ratio),
    ]


def population_psi(version: ModelVersion, model: CompiledModel) -> dict:
    """The PSI of the model's points on the latest applicants against its training points."""
    if version.kind != ModelKind.APPLICATION or not version.score_sample:
        return {"psi": None, "rows": 0, "population": None}
    recent = list(
        ScoreResult.objects.order_by("-created_at").values_list(
            "snapshot", "bureau_attributes", "model_version__version"
        )[:PSI_POPULATION]
    )
    if not recent:
        return {"psi": None, "rows": 0, "population": None}
    scores = []
    for snapshot, attributes, _decided_by in recent:
        numeric, categorical = model_row(model, snapshot, unpack_attributes(attributes))
        pd = float(model.predict_pd(numeric[None, :], np.array([categorical], dtype=object))[0])
        scores.append(points(pd))
    champion = next((v for *_rest, v in recent if v is not None), None)
    value = psi(np.array(version.score_sample), np.array(scores))
    return {
        "psi": None if value is None else round(value, 6),
        "rows": len(scores),
        "population": f"v{champion}" if champion else "rules",
    }


def check_risk_manager(user) -> None:
    if user is None or not user.is_active:
        raise PromotionRefused(
            _("A change of a model's role needs a risk manager (--by USERNAME)"),
            code="approver_required",
        )
    if not user.groups.filter(name=RISK_MANAGER).exists():
        raise PromotionRefused(
            _("%(user)s is not a risk manager (group %(group)s) and cannot approve a model")
            % {"user": user.get_username(), "group": RISK_MANAGER},
            code="approver_not_risk_manager",
        )


def check_approver(version: ModelVersion, approver) -> None:
    check_risk_manager(approver)
    if version.trained_by_id is not None and version.trained_by_id == approver.pk:
        raise PromotionRefused(
            _("%(user)s trained %(model)s and cannot approve it: a second pair of eyes is needed")
            % {"user": approver.get_username(), "model": version},
            code="approver_is_trainer",
        )


def gate(version: ModelVersion, model: CompiledModel, *, kind: str, champion: bool) -> dict:
    """Every gate's result; raises PromotionRefused naming each gate that failed.

    A challenger only scores in the shadow: it needs runnable inputs, not the thresholds."""
    problems = input_problems(model, kind=kind)
    thresholds = thresholds_for(kind)
    checks = metric_checks(version, thresholds)
    failed = [c for c in checks if not c.passed]
    if champion:
        for c in failed:
            shown = "—" if c.value is None else f"{c.value:.4g}"
            bound = "≥" if c.name in AT_LEAST else "≤"
            problems.append(
                _("%(name)s is %(value)s, the threshold is %(bound)s %(limit)s")
                % {"name": c.name, "value": shown, "bound": bound, "limit": f"{c.limit:.4g}"}
            )
    if problems:
        raise PromotionRefused(
            _("%(model)s cannot be promoted: %(problems)s")
            % {"model": version, "problems": "; ".join(problems)}
        )
    return {
        "inputs": "ok",
        "thresholds_id": thresholds.pk,
        "checks": [asdict(c) for c in checks],
        "population": population_psi(version, model),
    }
