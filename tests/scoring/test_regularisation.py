"""Regularisation chosen by cross-validation: a wide file of mostly noise helps, never hurts."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scoring.bureau import attribute_name
from scoring.datasets import Dataset
from scoring.training import time_split, train

ROWS, COLUMNS, TRUE_COLUMNS = 400, 1_000, 4


def known_signal(*, rows=ROWS, columns=COLUMNS, true_columns=TRUE_COLUMNS, seed=0) -> Dataset:
    """Standard normal columns; only the first `true_columns` move the log-odds (the same
    columns and target for every width)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=(rows, true_columns))
    z = -1.5 + signal.sum(axis=1)
    y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(np.int8)
    noise = np.random.default_rng(seed + 1).normal(size=(rows, columns - true_columns))
    x = np.hstack([signal, noise])
    return Dataset(
        numeric=[f"x{j:05d}" for j in range(columns)],
        categorical=[],
        x_num=x,
        x_cat=np.empty((rows, 0), dtype=object),
        y=y,
        order=np.arange(rows, dtype=np.float64),
        source="test",
        target="bad",
    )


@pytest.fixture(scope="module")
def wide():
    dataset = known_signal()
    return dataset, train(dataset)


def fixed_c_holdout_auc(dataset: Dataset, *, c: float = 0.5) -> float:
    """What the scorecard did before: L2 at a fixed C on the same time split."""
    fit, holdout = time_split(dataset, test_share=0.25)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2_000))
    model.fit(dataset.x_num[fit], dataset.y[fit])
    pd = model.predict_proba(dataset.x_num[holdout])[:, 1]
    return float(roc_auc_score(dataset.y[holdout], pd))


def test_a_wide_file_with_a_few_true_columns_beats_a_fixed_c_fit_on_the_holdout(wide):
    dataset, trained = wide
    assert trained.metrics["auc"] > fixed_c_holdout_auc(dataset) + 0.1


def test_a_wide_file_gives_a_pd_whose_brier_score_beats_a_constant(wide):
    _dataset, trained = wide
    assert trained.metrics["brier"] < 0.9 * trained.metrics["brier_constant"]


def test_the_chosen_c_the_folds_auc_and_the_non_zero_weights_are_recorded(wide):
    _dataset, trained = wide
    cv = trained.metrics["cross_validation"]
    assert cv["c"] == trained.compiled.meta["C"]
    assert cv["c"] in [step["c"] for step in cv["path"]]
    assert cv["folds"] == len(cv["auc_by_fold"]) == 5
    assert cv["auc_mean"] == pytest.approx(np.mean(cv["auc_by_fold"]), abs=1e-5)
    assert cv["auc_sd"] == pytest.approx(np.std(cv["auc_by_fold"]), abs=1e-5)
    weights = np.count_nonzero(trained.compiled.weight)
    assert trained.metrics["nonzero_weights"] == weights
    assert TRUE_COLUMNS <= weights < COLUMNS / 5


def test_the_true_columns_are_among_the_selected(wide):
    _dataset, trained = wide
    weight = dict(zip(trained.compiled.numeric, trained.compiled.weight, strict=True))
    assert all(weight[f"x{j:05d}"] > 0 for j in range(TRUE_COLUMNS))


def test_adding_noise_columns_does_not_make_the_holdout_worse_than_the_core_alone(wide):
    dataset, trained = wide
    core = known_signal(columns=TRUE_COLUMNS + 6)
    assert np.array_equal(core.y, dataset.y)
    assert trained.metrics["auc"] >= train(core).metrics["auc"] - 0.03


def test_a_fixed_c_is_used_as_given_and_measured_on_the_folds():
    trained = train(known_signal(columns=50), c=0.2)
    cv = trained.metrics["cross_validation"]
    assert cv["c"] == trained.compiled.meta["C"] == 0.2
    assert len(cv["path"]) == 1


def test_the_bureau_vector_is_kept_only_when_the_folds_say_it_helps_the_named_features():
    dataset = known_signal(columns=TRUE_COLUMNS + 600)
    dataset.numeric = [*dataset.numeric[:TRUE_COLUMNS], *map(attribute_name, range(600))]
    core = known_signal(columns=TRUE_COLUMNS)

    trained = train(dataset)

    vector = trained.metrics["bureau_vector"]
    assert vector["attributes"] == 600
    with_it, without = vector["cv_with"], vector["cv_without"]
    assert vector["used"] == (with_it["log_loss_mean"] < without["log_loss_mean"])
    uses_bureau = any(name.startswith("bki_attr_") for name in trained.compiled.numeric)
    assert uses_bureau == vector["used"]
    assert trained.metrics["auc"] >= train(core).metrics["auc"] - 0.01
