"""The scorecard's regularisation, chosen by cross-validation on the training part.

An L1-penalised logistic regression: the penalty sets most of the weights to zero, so a wide
bureau vector of mostly noise adds only the attributes that carry signal. Its strength C is
chosen on stratified folds (the imputer, scaler and encoder fitted inside each fold) by the
mean log loss of the held-out fold, a proper score for a PD; the folds' AUC at the chosen C
is what the report shows. The path starts at the smallest C that lets one weight leave zero
and stops once the log loss has not improved for PATIENCE steps.
"""

import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np
from django.utils.translation import gettext as _
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import l1_min_c

from scoring.calibration import Calibration
from scoring.datasets import TrainingDataError
from scoring.inference import MISSING

FOLDS = 5
SEED = 0
STEPS_PER_DECADE = 4
MAX_STEPS = 20
PATIENCE = 3
# liblinear penalises the intercept too; a large constant column makes that penalty negligible.
INTERCEPT_SCALING = 10.0
SELECTION = "L1 logistic regression, C by stratified cross-validation (mean log loss)"


class Design:
    """The model's input matrix: numbers imputed by their median and standardised, categories
    one-hot (missing is a category of its own; one unseen in training weighs nothing)."""

    def __init__(self, *, n_numeric: int, n_categorical: int):
        self.n_numeric = n_numeric
        self.n_categorical = n_categorical
        self.impute = SimpleImputer(strategy="median", keep_empty_features=True)
        self.scale = StandardScaler()
        self.encode = OneHotEncoder(handle_unknown="ignore", sparse_output=False)

    def fit(self, x_num: np.ndarray, x_cat: np.ndarray) -> "Design":
        if self.n_numeric:
            self.scale.fit(self.impute.fit_transform(x_num))
        if self.n_categorical:
            self.encode.fit(_categories(x_cat))
        return self

    def transform(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        parts = [np.empty((len(x_num), 0))]
        if self.n_numeric:
            parts.append(self.scale.transform(self.impute.transform(x_num)))
        if self.n_categorical:
            parts.append(self.encode.transform(_categories(x_cat)))
        return np.hstack(parts)


def _categories(x_cat: np.ndarray) -> np.ndarray:
    return np.array(
        [[MISSING if v is None else str(v) for v in row] for row in x_cat], dtype=object
    ).reshape(x_cat.shape)


@contextmanager
def _quiet():
    # At the large-C end of the path liblinear may stop at max_iter; that C is never the best.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def logistic(c: float) -> LogisticRegression:
    return LogisticRegression(
        C=c,
        l1_ratio=1.0,
        solver="liblinear",
        intercept_scaling=INTERCEPT_SCALING,
        max_iter=1_000,
        random_state=SEED,
    )


@dataclass
class Scorecard:
    design: Design
    model: LogisticRegression
    calibration: Calibration = field(default_factory=Calibration)

    def predict_pd(self, x_num: np.ndarray, x_cat: np.ndarray) -> np.ndarray:
        z = self.model.decision_function(self.design.transform(x_num, x_cat))
        return 1.0 / (1.0 + np.exp(-self.calibration.log_odds(z)))

    @property
    def nonzero_weights(self) -> int:
        return int(np.count_nonzero(self.model.coef_[0]))


def fit_scorecard(x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray, *, c: float) -> Scorecard:
    design = Design(n_numeric=x_num.shape[1], n_categorical=x_cat.shape[1]).fit(x_num, x_cat)
    with _quiet():
        model = logistic(c).fit(design.transform(x_num, x_cat), y)
    return Scorecard(design=design, model=model)


@dataclass(frozen=True)
class CrossValidation:
    c: float
    folds: int
    auc_mean: float
    auc_sd: float
    auc_by_fold: list[float]
    log_loss_mean: float
    ks_mean: float
    brier_ratio_mean: float
    path: list[dict]
    selection: str = SELECTION

    def as_dict(self) -> dict:
        return asdict(self)


def _folds(x_num, x_cat, y) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    minority = int(min(y.sum(), len(y) - y.sum()))
    if minority < 2:
        raise TrainingDataError(
            _("The training part has %(count)s row(s) of one class: too few to cross-validate")
            % {"count": minority}
        )
    splitter = StratifiedKFold(n_splits=min(FOLDS, minority), shuffle=True, random_state=SEED)
    folds = []
    for fit_idx, check_idx in splitter.split(np.zeros(len(y)), y):
        design = Design(n_numeric=x_num.shape[1], n_categorical=x_cat.shape[1])
        design.fit(x_num[fit_idx], x_cat[fit_idx])
        folds.append(
            (
                design.transform(x_num[fit_idx], x_cat[fit_idx]),
                y[fit_idx],
                design.transform(x_num[check_idx], x_cat[check_idx]),
                y[check_idx],
            )
        )
    return folds


def _step(folds, c: float) -> dict:
    aucs, losses, nonzero, ks, brier_ratios = [], [], [], [], []
    for x_fit, y_fit, x_check, y_check in folds:
        with _quiet():
            model = logistic(c).fit(x_fit, y_fit)
        pd = model.predict_proba(x_check)[:, 1]
        aucs.append(float(roc_auc_score(y_check, pd)))
        losses.append(float(log_loss(y_check, pd, labels=[0, 1])))
        nonzero.append(int(np.count_nonzero(model.coef_[0])))
        fpr, tpr, _thresholds = roc_curve(y_check, pd)
        ks.append(float(np.max(tpr - fpr)))
        # Against the constant PD the fold's fitting part would give: its bad rate.
        constant = float(np.mean((y_check - y_fit.mean()) ** 2))
        brier_ratios.append(float(brier_score_loss(y_check, pd)) / constant)
    return {
        "c": float(c),
        "auc_mean": round(float(np.mean(aucs)), 6),
        "auc_sd": round(float(np.std(aucs)), 6),
        "auc_by_fold": [round(a, 6) for a in aucs],
        "log_loss_mean": round(float(np.mean(losses)), 6),
        "ks_mean": round(float(np.mean(ks)), 6),
        "brier_ratio_mean": round(float(np.mean(brier_ratios)), 6),
        "nonzero_weights": round(float(np.mean(nonzero)), 1),
    }


def _summary(step: dict, *, folds: int, path: list[dict]) -> CrossValidation:
    return CrossValidation(
        c=step["c"],
        folds=folds,
        auc_mean=step["auc_mean"],
        auc_sd=step["auc_sd"],
        auc_by_fold=step["auc_by_fold"],
        log_loss_mean=step["log_loss_mean"],
        ks_mean=step["ks_mean"],
        brier_ratio_mean=step["brier_ratio_mean"],
        path=[{k: v for k, v in s.items() if k != "auc_by_fold"} for s in path],
    )


def choose_c(x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray) -> CrossValidation:
    """Walk C upwards from where the first weight leaves zero; keep the best mean log loss."""
    folds = _folds(x_num, x_cat, y)
    whole = Design(n_numeric=x_num.shape[1], n_categorical=x_cat.shape[1]).fit(x_num, x_cat)
    # The columns are centred, so this is where the first weight leaves zero.
    start = l1_min_c(whole.transform(x_num, x_cat), y, loss="log", fit_intercept=False)
    path: list[dict] = []
    best = 0
    for k in range(MAX_STEPS):
        path.append(_step(folds, start * 10 ** (k / STEPS_PER_DECADE)))
        if path[-1]["log_loss_mean"] < path[best]["log_loss_mean"]:
            best = k
        elif k - best >= PATIENCE and path[-1]["nonzero_weights"]:
            break
    return _summary(path[best], folds=len(folds), path=path)


def cross_validate(x_num: np.ndarray, x_cat: np.ndarray, y: np.ndarray, *, c: float):
    """The folds' figures at a given C (after the constraints dropped a feature, or when the
    C was fixed by hand)."""
    folds = _folds(x_num, x_cat, y)
    step = _step(folds, c)
    return _summary(step, folds=len(folds), path=[step])
