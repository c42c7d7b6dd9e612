"""The model at decision time: a logistic scorecard compiled to plain numpy.

A one-row DataFrame through a scikit-learn Pipeline costs milliseconds of overhead; the
decision cannot afford it at 10,000 features. Training folds the fitted imputer, scaler and
one-hot encoder into one weight vector and per-category lookups, so inference is
`where(isnan) → dot → sigmoid` on a numpy row (tests prove it equals the Pipeline to 1e-9).
The artifact is an .npz of plain arrays, loaded with `allow_pickle=False`: no code runs on load.
"""

import io
import json
import math
from dataclasses import dataclass

import numpy as np

# Points scale: 600 points at odds of 50 good to 1 bad, 20 points to double the odds.
BASE_POINTS = 600
BASE_ODDS = 50
POINTS_TO_DOUBLE = 20
_FACTOR = POINTS_TO_DOUBLE / math.log(2)
_OFFSET = BASE_POINTS - _FACTOR * math.log(BASE_ODDS)
MISSING = "__missing__"
_BLOCK_ROWS = 16


def points(pd: float) -> int:
    pd = min(max(pd, 1e-9), 1 - 1e-9)
    return round(_OFFSET + _FACTOR * math.log((1 - pd) / pd))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: object
    log_odds: float


class CompiledModel:
    """Numeric weights already divided by the scaler; categorical weights as dict lookups."""

    def __init__(
        self,
        *,
        numeric: list[str],
        fill: np.ndarray,
        weight: np.ndarray,
        mean: np.ndarray,
        intercept: float,
        categorical: list[str],
        category_weights: list[dict[str, float]],
        category_baseline: np.ndarray,
        meta: dict,
    ):
        self.numeric = numeric
        self.fill = np.asarray(fill, dtype=np.float64)
        self.weight = np.asarray(weight, dtype=np.float64)
        self.mean = np.asarray(mean, dtype=np.float64)
        self.intercept = float(intercept)
        self.categorical = categorical
        self.category_weights = category_weights
        self.category_baseline = np.asarray(category_baseline, dtype=np.float64)
        self.meta = meta

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def log_odds(self, numeric: np.ndarray, categorical: np.ndarray | None = None) -> np.ndarray:
        """`numeric`: (rows, len(self.numeric)) floats, NaN = missing; `categorical`: strings."""
        x = np.atleast_2d(np.asarray(numeric, dtype=np.float64))
        z = np.empty(len(x))
        # Row blocks small enough to stay in cache: the imputation copy never goes to memory.
        for start in range(0, len(x), _BLOCK_ROWS):
            block = x[start : start + _BLOCK_ROWS]
            missing = np.isnan(block)
            if missing.any():
                block = np.where(missing, self.fill, block)
            z[start : start + _BLOCK_ROWS] = block @ self.weight
        z += self.intercept
        if self.categorical:
            categorical = np.asarray(categorical, dtype=object)
        for j, lookup in enumerate(self.category_weights):
            z = z + np.fromiter(
                (lookup.get(_category(v), 0.0) for v in categorical[:, j]),
                dtype=np.float64,
                count=len(z),
            )
        return z

    def predict_pd(self, numeric: np.ndarray, categorical: np.ndarray | None = None) -> np.ndarray:
        return _sigmoid(self.log_odds(numeric, categorical))

    def top_contributions(
        self, numeric: np.ndarray, categorical: list, *, count: int
    ) -> list[Contribution]:
        """The `count` inputs that pushed the log-odds up most against the typical applicant
        (the training median; the mean for models trained before medians were the reference).
        A value at its best can never be one: it is on the good side of the median."""
        x = np.where(np.isnan(numeric), self.fill, numeric)
        typical = self.fill if self.meta.get("reason_reference") == "median" else self.mean
        parts = self.weight * (x - typical)
        top = (
            np.argpartition(-parts, count - 1)[:count] if len(parts) > count else range(len(parts))
        )
        result = [
            Contribution(
                self.numeric[j],
                None if np.isnan(numeric[j]) else float(numeric[j]),
                float(parts[j]),
            )
            for j in top
        ]
        for j, (name, value) in enumerate(zip(self.categorical, categorical, strict=True)):
            weight = self.category_weights[j].get(_category(value), 0.0)
            result.append(Contribution(name, value, weight - float(self.category_baseline[j])))
        result.sort(key=lambda c: -c.log_odds)
        return [c for c in result[:count] if c.log_odds > 0]

    def to_bytes(self) -> bytes:
        flat_values, flat_columns, flat_weights = [], [], []
        for j, lookup in enumerate(self.category_weights):
            for value, weight in lookup.items():
                flat_values.append(value)
                flat_columns.append(j)
                flat_weights.append(weight)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            numeric=np.array(self.numeric, dtype=np.str_),
            fill=self.fill,
            weight=self.weight,
            mean=self.mean,
            intercept=np.array([self.intercept]),
            categorical=np.array(self.categorical, dtype=np.str_),
            category_values=np.array(flat_values, dtype=np.str_),
            category_columns=np.array(flat_columns, dtype=np.int64),
            category_weights=np.array(flat_weights, dtype=np.float64),
            category_baseline=self.category_baseline,
            meta=np.array(json.dumps(self.meta)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "CompiledModel":
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            categorical = [str(name) for name in arrays["categorical"]]
            lookups: list[dict[str, float]] = [{} for _ in categorical]
            for value, column, weight in zip(
                arrays["category_values"],
                arrays["category_columns"],
                arrays["category_weights"],
                strict=True,
            ):
                lookups[int(column)][str(value)] = float(weight)
            return cls(
                numeric=[str(name) for name in arrays["numeric"]],
                fill=arrays["fill"],
                weight=arrays["weight"],
                mean=arrays["mean"],
                intercept=float(arrays["intercept"][0]),
                categorical=categorical,
                category_weights=lookups,
                category_baseline=arrays["category_baseline"],
                meta=json.loads(str(arrays["meta"])),
            )


def _category(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)
