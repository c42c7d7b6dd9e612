"""The PD is calibrated on the latest part of the training window, apart from the fit."""

import numpy as np
import pytest

from scoring.calibration import Calibration, calibrated, fit_calibration
from scoring.datasets import Dataset
from scoring.training import train
from tests.scoring.conftest import constant_model


def drifting_book(*, rows=2_000, seed=3) -> Dataset:
    """Two columns with a fixed effect on the log-odds; the bad rate rises from ~8 % in the
    first half to ~35 % in the second, so a fit on the early rows under-states the later PD."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 2))
    later = np.arange(rows) >= rows // 2
    z = np.where(later, -0.8, -2.8) + x @ np.array([0.8, -0.6])
    y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(np.int8)
    return Dataset(
        numeric=["a", "b"],
        categorical=[],
        x_num=x,
        x_cat=np.empty((rows, 0), dtype=object),
        y=y,
        order=np.arange(rows, dtype=np.float64),
        source="test",
        target="bad",
    )


@pytest.fixture(scope="module")
def trained():
    return train(drifting_book(), test_share=0.25)


def test_calibration_lowers_the_holdout_brier_of_a_miscalibrated_fit(trained):
    split = trained.metrics["calibration_split"]
    assert split["applied"]
    assert split["holdout_brier"] < 0.9 * split["holdout_brier_uncalibrated"]


def test_the_calibration_part_is_the_latest_of_the_training_window_and_apart_from_the_fit(
    trained,
):
    split = trained.metrics["calibration_split"]
    assert split["rows_fit"] + split["rows_calibration"] == trained.rows_train == 1_500
    assert split["rows_calibration"] == 300


def test_the_reliability_table_by_decile_is_of_the_calibrated_pd(trained):
    table = trained.metrics["calibration"]
    assert [row["decile"] for row in table] == list(range(1, 11))
    rows = sum(row["rows"] for row in table)
    predicted = sum(row["rows"] * row["mean_pd"] for row in table) / rows
    observed = sum(row["rows"] * row["bad_rate"] for row in table) / rows
    assert predicted == pytest.approx(observed, abs=0.03)


def test_a_well_calibrated_score_keeps_its_brier():
    rng = np.random.default_rng(0)
    z = rng.normal(-1.5, 1.0, size=(2, 5_000))
    y = (rng.random((2, 5_000)) < 1 / (1 + np.exp(-z))).astype(np.int8)

    calibration = fit_calibration(z[0], y[0])

    def brier(log_odds):
        return float(np.mean((y[1] - 1 / (1 + np.exp(-log_odds))) ** 2))

    assert brier(calibration.log_odds(z[1])) <= 1.005 * brier(z[1])


def test_a_calibration_part_ranked_the_other_way_is_not_applied():
    z = np.linspace(-2, 2, 200)
    y = (z < 0).astype(np.int8)
    assert fit_calibration(z, y) == Calibration()


def test_the_calibration_folds_into_the_compiled_log_odds():
    model = constant_model(0.2)
    folded = calibrated(model, Calibration(slope=2.0, shift=-0.5, applied=True))
    row = np.array([[1.0]])
    assert folded.log_odds(row, [["employed"]])[0] == pytest.approx(
        2.0 * model.log_odds(row, [["employed"]])[0] - 0.5
    )


def test_a_calibration_part_too_small_to_calibrate_on_is_fitted_on_instead():
    trained = train(drifting_book(rows=600), test_share=0.25)  # 90 rows would calibrate

    split = trained.metrics["calibration_split"]
    assert (split["rows_fit"], split["rows_calibration"], split["applied"]) == (450, 0, False)
    assert split["holdout_brier"] == split["holdout_brier_uncalibrated"]
