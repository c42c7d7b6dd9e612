"""Known directions: a wrong-signed fit is refitted without the feature, and a reason code
never names a feature at its best value."""

import numpy as np

from scoring.datasets import Dataset
from scoring.features import CATEGORICAL, DIRECTIONS
from scoring.inference import CompiledModel
from scoring.policy import top_factors
from scoring.training import train

NAMES = ["on_time_share", "bki_open_loans", "bki_other_debt_rub", "income_rub", "max_dpd", "hour"]


def _dataset(*, income_sign: float, rows: int = 2_000, seed: int = 3) -> Dataset:
    """A book where bureau loans, other debt and days past due raise the PD, a good record
    lowers it, and income moves it by `income_sign` (a confounded sample gives +1)."""
    rng = np.random.default_rng(seed)
    on_time = rng.choice([0.0, 0.5, 1.0], size=rows, p=[0.2, 0.3, 0.5])
    open_loans = rng.poisson(0.8, size=rows).astype(float)
    other_debt = rng.exponential(20_000, size=rows) * (open_loans > 0)
    income = rng.lognormal(10.5, 0.4, size=rows)
    max_dpd = rng.choice([0.0, 5.0, 30.0], size=rows, p=[0.7, 0.2, 0.1])
    hour = rng.integers(0, 24, size=rows).astype(float)
    z = (
        -1.0
        - 1.5 * on_time
        + 0.5 * open_loans
        + 0.00001 * other_debt
        + income_sign * 1.2 * (np.log(income) - 10.5) / 0.4
        + 0.04 * max_dpd
    )
    y = (rng.random(rows) < 1 / (1 + np.exp(-z))).astype(np.int8)
    return Dataset(
        numeric=NAMES,
        categorical=[],
        x_num=np.column_stack([on_time, open_loans, other_debt, income, max_dpd, hour]),
        x_cat=np.empty((rows, 0), dtype=object),
        y=y,
        order=np.arange(rows, dtype=np.float64),
        source="test",
        target="bad",
    )


def test_constrained_features_keep_their_known_sign():
    model = train(_dataset(income_sign=-1)).compiled
    for name, weight in zip(model.numeric, model.weight, strict=True):
        if name in DIRECTIONS:
            assert weight * DIRECTIONS[name] > 0, name


def test_a_fit_with_a_wrong_signed_constrained_feature_is_refitted_without_it():
    trained = train(_dataset(income_sign=+1))

    assert "income_rub" not in trained.compiled.numeric
    assert trained.metrics["constraints"]["dropped_for_wrong_sign"] == ["income_rub"]
    assert trained.metrics["constraints"]["directions"]["on_time_share"] == -1
    for name, weight in zip(trained.compiled.numeric, trained.compiled.weight, strict=True):
        if name in DIRECTIONS:
            assert weight * DIRECTIONS[name] > 0, name


def test_a_reason_code_never_names_a_feature_at_its_best_value():
    model = CompiledModel.from_bytes(train(_dataset(income_sign=-1)).compiled.to_bytes())
    worst_elsewhere = {"on_time_share": 1.0, "bki_open_loans": 0.0, "bki_other_debt_rub": 0.0}
    row = np.array([worst_elsewhere.get(name, 0.0) for name in model.numeric], dtype=np.float64)
    row[model.numeric.index("income_rub")] = 5_000.0  # far below the typical income
    row[model.numeric.index("max_dpd")] = 30.0

    codes = [reason.code for reason in top_factors(model, row, [])]

    assert {"F_income_rub", "F_max_dpd"} <= set(codes)
    for best in worst_elsewhere:
        assert f"F_{best}" not in codes


def test_a_reason_is_measured_from_the_typical_applicant_not_the_mean():
    # Days past due: most applicants have none (median 0), a few very many (mean 6).
    model = CompiledModel(
        numeric=["max_dpd"],
        fill=np.array([0.0]),
        weight=np.array([0.05]),
        mean=np.array([6.0]),
        intercept=-2.0,
        categorical=[],
        category_weights=[],
        category_baseline=np.zeros(0),
        meta={"reason_reference": "median"},
    )
    assert [r.code for r in top_factors(model, np.array([3.0]), [])] == ["F_max_dpd"]
    assert top_factors(model, np.array([0.0]), []) == []
    assert not set(NAMES) & set(CATEGORICAL)
