"""Fit a logistic scorecard with scikit-learn (its regularisation chosen by cross-validation,
scoring.selection), calibrate its PD (scoring.calibration), measure it on a time-based
holdout, compile it."""

from dataclasses import dataclass, replace

import numpy as np
import sklearn
from django.utils.translation import gettext as _
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve

from scoring.bureau import ATTRIBUTE_PREFIX
from scoring.calibration import (
    CALIBRATION_SHARE,
    METHOD,
    MIN_CALIBRATION_ROWS,
    calibrated,
    fit_calibration,
)
from scoring.datasets import Dataset, TrainingDataError
from scoring.features import DIRECTIONS
from scoring.inference import MISSING, CompiledModel, points
from scoring.selection import (
    CrossValidation,
    Scorecard,
    choose_c,
    cross_validate,
    fit_scorecard,
)

ALGORITHM = "logistic_regression"
TOP_FEATURES = 10
SAMPLE_SIZE = 2_000


def compile_scorecard(scorecard: Scorecard, *, dataset: Dataset) -> CompiledModel:
    design, model = scorecard.design, scorecard.model
    coef = model.coef_[0]
    n = len(dataset.numeric)
    if n:
        fill, mean, scale = design.impute.statistics_, design.scale.mean_, design.scale.scale_
    else:
        fill, mean, scale = np.zeros(0), np.zeros(0), np.ones(0)
    weight = coef[:n] / scale
    intercept = float(model.intercept_[0] - np.dot(weight, mean))

    lookups: list[dict[str, float]] = []
    baseline = np.zeros(len(dataset.categorical))
    if dataset.categorical:
        offset = n
        for j, categories in enumerate(design.encode.categories_):
            weights = coef[offset : offset + len(categories)]
            lookups.append({str(c): float(w) for c, w in zip(categories, weights, strict=True)})
            offset += len(categories)
            seen = [str(v) if v is not None else MISSING for v in dataset.x_cat[:, j]]
            baseline[j] = float(np.mean([lookups[j].get(v, 0.0) for v in seen]))
    return CompiledModel(
        numeric=dataset.numeric,
        fill=fill,
        weight=weight,
        mean=mean,
        intercept=intercept,
        categorical=dataset.categorical,
        category_weights=lookups,
        category_baseline=baseline,
        # Reasons are measured from the training median (the typical applicant), not the mean.
        meta={
            "algorithm": ALGORITHM,
            "sklearn": sklearn.__version__,
            "C": float(model.C),
            "penalty": "l1",
            "reason_reference": "median",
        },
    )


def holdout_metrics(y: np.ndarray, pd: np.ndarray, *, base_rate: float | None = None) -> dict:
    """AUC, Gini, KS, Brier against a constant PD (`base_rate`, the training bad rate; the
    holdout's own when not given) and calibration by decile with its mean absolute error."""
    auc = float(roc_auc_score(y, pd))
    fpr, tpr, _ = roc_curve(y, pd)
    order = np.argsort(pd, kind="stable")
    calibration = [
        {
            "decile": i + 1,
            "rows": len(part),
            "mean_pd": round(float(pd[part].mean()), 6),
            "bad_rate": round(float(y[part].mean()), 6),
        }
        for i, part in enumerate(np.array_split(order, 10))
        if len(part)
    ]
    constant = float(y.mean()) if base_rate is None else base_rate
    brier = float(brier_score_loss(y, pd))
    brier_constant = float(np.mean((y - constant) ** 2))
    error = sum(row["rows"] * abs(row["mean_pd"] - row["bad_rate"]) for row in calibration)
    return {
        "auc": round(auc, 6),
        "gini": round(2 * auc - 1, 6),
        "ks": round(float(np.max(tpr - fpr)), 6),
        "brier": round(brier, 6),
        "brier_constant": round(brier_constant, 6),
        "brier_ratio": round(brier / brier_constant, 6) if brier_constant > 0 else None,
        "calibration_error": round(error / len(y), 6),
        "calibration": calibration,
    }


@dataclass
class TrainedModel:
    scorecard: Scorecard
    compiled: CompiledModel
    metrics: dict
    rows_train: int
    rows_test: int
    bad_rate_train: float
    score_sample: list[int]
    feature_sample: dict[str, list[float | None]]


def time_split(dataset: Dataset, *, test_share: float) -> tuple[np.ndarray, np.ndarray]:
    """The latest rows are the holdout: the model is judged on a future it has not seen. No
    time key (a decision day, a month) is on both sides: the cut moves to the nearer boundary
    between keys, towards the larger holdout on a tie."""
    order = np.argsort(dataset.order, kind="stable")
    keys = dataset.order[order]
    cut = len(order) - max(1, round(len(order) * test_share))
    before = int(np.searchsorted(keys, keys[cut], side="left"))
    after = int(np.searchsorted(keys, keys[cut], side="right"))
    candidates = [c for c in (before, after) if 0 < c < len(order)]
    if not candidates:
        raise TrainingDataError(
            _("Every row has the same time key: there is no later part to hold out")
        )
    cut = min(candidates, key=lambda c: abs(c - cut))
    return order[:cut], order[cut:]


def wrong_signs(scorecard: Scorecard, dataset: Dataset) -> list[str]:
    """The constrained numeric features whose fitted weight has the sign the risk team rules out."""
    coef = scorecard.model.coef_[0][: len(dataset.numeric)]
    wrong = [
        (weight * DIRECTIONS[name], name)
        for name, weight in zip(dataset.numeric, coef, strict=True)
        if name in DIRECTIONS and weight * DIRECTIONS[name] < -1e-9
    ]
    return [name for _weight, name in sorted(wrong)]  # the most wrong first


def fit_constrained(
    dataset: Dataset, train_idx: np.ndarray, *, c: float
) -> tuple[Scorecard, Dataset, list[str]]:
    """Fit; while a constrained feature gets the wrong sign, drop the most wrong one and refit
    (a wrong sign is a proxy or a confounder the scorecard must not learn; one at a time, as a
    collinear partner's sign often comes right once the other is gone). Returns the dropped."""
    dropped: list[str] = []
    while True:
        scorecard = fit_scorecard(
            dataset.x_num[train_idx], dataset.x_cat[train_idx], dataset.y[train_idx], c=c
        )
        wrong = wrong_signs(scorecard, dataset)
        if not wrong:
            return scorecard, dataset, dropped
        dropped.append(wrong[0])
        dataset = dataset.without_numeric(wrong[:1])
        if not dataset.features:
            raise TrainingDataError(
                _("Every feature had the wrong sign for its known direction: %(names)s")
                % {"names": ", ".join(dropped)}
            )


def calibration_split(dataset: Dataset, train_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fit, calibration) rows of the training part: the latest CALIBRATION_SHARE calibrates,
    unless that is fewer than MIN_CALIBRATION_ROWS; then the whole part fits, uncalibrated."""
    fit_part, calibration_part = time_split(dataset.rows(train_idx), test_share=CALIBRATION_SHARE)
    if len(calibration_part) < MIN_CALIBRATION_ROWS:
        return train_idx, train_idx[:0]
    return train_idx[fit_part], train_idx[calibration_part]


def _two_classes(dataset: Dataset, parts: dict[str, np.ndarray]) -> None:
    for name, idx in parts.items():
        if len(np.unique(dataset.y[idx])) < 2:
            raise TrainingDataError(
                _(
                    "The %(part)s part (%(rows)s rows by time) has one class only; add data or "
                    "widen the window"
                )
                % {"part": name, "rows": len(idx)}
            )


def train(dataset: Dataset, *, test_share: float = 0.25, c: float | None = None) -> TrainedModel:
    """The training part is cut by time again: the scorecard is fitted on its earlier rows (C
    chosen by cross-validation there, or fixed by `c`, with and without the bureau vector, the
    sign constraints enforced at that C) and its PD calibrated on the latest
    (scoring.calibration)."""
    train_idx, test_idx = time_split(dataset, test_share=test_share)
    fit_idx, calibration_idx = calibration_split(dataset, train_idx)
    parts = {_("fitting"): fit_idx, _("holdout"): test_idx}
    if len(calibration_idx):
        parts[_("calibration")] = calibration_idx
    _two_classes(dataset, parts)
    cv = _cross_validated(dataset.rows(fit_idx), c=c)
    bureau = _bureau_attributes(dataset)
    bureau_vector = None
    if bureau:
        core = dataset.without_numeric(bureau)
        cv_core = _cross_validated(core.rows(fit_idx), c=c)
        bureau_vector = {
            "attributes": len(bureau),
            "used": cv.log_loss_mean < cv_core.log_loss_mean,
            "cv_with": _figures(cv),
            "cv_without": _figures(cv_core),
        }
        if not bureau_vector["used"]:
            dataset, cv = core, cv_core
    scorecard, dataset, wrong_signed = fit_constrained(dataset, fit_idx, c=cv.c)
    if wrong_signed:  # the folds' figures of the features actually kept
        part = dataset.rows(fit_idx)
        cv = replace(cv, **_figures(cross_validate(part.x_num, part.x_cat, part.y, c=cv.c)))
    raw = compile_scorecard(scorecard, dataset=dataset.rows(fit_idx))
    if len(calibration_idx):
        scorecard.calibration = fit_calibration(
            raw.log_odds(dataset.x_num[calibration_idx], dataset.x_cat[calibration_idx]),
            dataset.y[calibration_idx],
        )
    compiled = calibrated(raw, scorecard.calibration)
    pd_test = compiled.predict_pd(dataset.x_num[test_idx], dataset.x_cat[test_idx])
    pd_train = compiled.predict_pd(dataset.x_num[train_idx], dataset.x_cat[train_idx])
    rng = np.random.default_rng(0)
    sample = rng.permutation(len(train_idx))[:SAMPLE_SIZE]
    base_rate = float(dataset.y[train_idx].mean())
    metrics = holdout_metrics(dataset.y[test_idx], pd_test, base_rate=base_rate)
    uncalibrated = raw.predict_pd(dataset.x_num[test_idx], dataset.x_cat[test_idx])
    metrics["calibration_split"] = {
        "method": METHOD,
        "rows_fit": len(fit_idx),
        "rows_calibration": len(calibration_idx),
        "applied": scorecard.calibration.applied,
        "slope": round(scorecard.calibration.slope, 6),
        "shift": round(scorecard.calibration.shift, 6),
        "holdout_brier_uncalibrated": round(
            float(np.mean((dataset.y[test_idx] - uncalibrated) ** 2)), 6
        ),
        "holdout_brier": metrics["brier"],
    }
    metrics["data"] = dict(dataset.notes)
    metrics["cross_validation"] = cv.as_dict()
    metrics["bureau_vector"] = bureau_vector
    metrics["inputs"] = len(compiled.features)
    metrics["nonzero_weights"] = scorecard.nonzero_weights
    metrics["constraints"] = {
        "directions": {n: DIRECTIONS[n] for n in dataset.numeric if n in DIRECTIONS},
        "dropped_for_wrong_sign": wrong_signed,
    }
    return TrainedModel(
        scorecard=scorecard,
        compiled=compiled,
        metrics=metrics,
        rows_train=len(train_idx),
        rows_test=len(test_idx),
        bad_rate_train=round(base_rate, 6),
        score_sample=[points(float(p)) for p in pd_train[sample]],
        feature_sample=_top_feature_sample(compiled, dataset.x_num[train_idx][sample]),
    )


def _cross_validated(part: Dataset, *, c: float | None) -> CrossValidation:
    if c is None:
        return choose_c(part.x_num, part.x_cat, part.y)
    return cross_validate(part.x_num, part.x_cat, part.y, c=c)


def _bureau_attributes(dataset: Dataset) -> list[str]:
    """The wide bureau vector's columns, when the dataset has named features besides them:
    the vector is kept only if it lowers the folds' log loss of the named features alone."""
    names = [name for name in dataset.numeric if name.startswith(ATTRIBUTE_PREFIX)]
    return names if len(names) < len(dataset.features) else []


def _figures(cv: CrossValidation) -> dict:
    keys = (
        "c",
        "auc_mean",
        "auc_sd",
        "auc_by_fold",
        "log_loss_mean",
        "ks_mean",
        "brier_ratio_mean",
    )
    return {k: getattr(cv, k) for k in keys}


def _top_feature_sample(compiled: CompiledModel, x_num: np.ndarray) -> dict:
    """Training values of the numeric features that move the score most: PSI baselines."""
    if not compiled.numeric:
        return {}
    filled = np.where(np.isnan(x_num), compiled.fill, x_num)
    spread = np.abs(compiled.weight) * filled.std(axis=0)
    top = np.argsort(-spread, kind="stable")[:TOP_FEATURES]
    return {
        compiled.numeric[j]: [None if np.isnan(v) else float(v) for v in x_num[:, j]] for j in top
    }
