"""Is the champion still fit? Population stability, decision rates and defaults by score band."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from scoring.bureau import ATTRIBUTE_PREFIX
from scoring.models import ModelKind, ModelVersion, ScoreResult
from scoring.outcomes import bad_definition, known_outcomes
from scoring.registry import champion
from scoring.snapshot import unpack_attributes

PSI_ALERT = 0.25
PSI_WATCH = 0.10
WINDOW_DAYS = 30
MAX_RESULTS = 2_000
SCORE_BANDS = (-10_000, 500, 540, 580, 620, 660, 10_000)
_EPSILON = 1e-4


def psi(expected: np.ndarray, actual: np.ndarray, *, bins: int = 10) -> float | None:
    """Population stability index over the expected sample's quantile bins."""
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    expected, actual = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if not len(expected) or not len(actual):
        return None
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)[1:-1]))
    e = np.bincount(np.searchsorted(edges, expected, side="right"), minlength=len(edges) + 1)
    a = np.bincount(np.searchsorted(edges, actual, side="right"), minlength=len(edges) + 1)
    e = np.maximum(e / e.sum(), _EPSILON)
    a = np.maximum(a / a.sum(), _EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def stability(value: float | None) -> str:
    if value is None:
        return "no data"
    if value > PSI_ALERT:
        return "shifted"
    return "watch" if value > PSI_WATCH else "stable"


@dataclass(frozen=True)
class Drift:
    name: str
    psi: float | None
    rows: int

    @property
    def status(self) -> str:
        return stability(self.psi)

    @property
    def flagged(self) -> bool:
        return self.psi is not None and self.psi > PSI_ALERT


def _values(features: dict, attributes: np.ndarray | None, names: list[str]) -> list[float]:
    values = []
    for name in names:
        if name.startswith(ATTRIBUTE_PREFIX):
            index = int(name.removeprefix(ATTRIBUTE_PREFIX))
            value = attributes[index] if index < len(attributes) else None
        else:
            value = features.get(name)
        values.append(np.nan if value is None else float(value))
    return values


def _in_window(*, since: date, on: date):
    return ScoreResult.objects.filter(business_date__range=(since, on))


def drift(model: ModelVersion, *, since: date, on: date) -> list[Drift]:
    """PSI of the score and of the top features: the window's decisions against training."""
    model = ModelVersion.objects.get(pk=model.pk)  # with the samples the registry leaves out
    recent = _in_window(since=since, on=on).filter(model_version=model).order_by("-created_at")
    recent = recent[:MAX_RESULTS]
    scores = [p for p in recent.values_list("points", flat=True) if p is not None]
    rows = [Drift("score (points)", psi(model.score_sample, scores), len(scores))]
    names = list(model.feature_sample)
    if names:
        # The 80 kB vectors are read only when a top feature is a bureau attribute.
        wide = any(name.startswith(ATTRIBUTE_PREFIX) for name in names)
        fields = ["snapshot", "bureau_attributes"] if wide else ["snapshot"]
        actual = np.array(
            [
                _values(row[0]["features"], unpack_attributes(row[1]) if wide else None, names)
                for row in recent.values_list(*fields)
            ]
        ).reshape(-1, len(names))
        for j, name in enumerate(names):
            expected = [np.nan if v is None else v for v in model.feature_sample[name]]
            rows.append(Drift(name, psi(expected, actual[:, j]), len(actual)))
    return rows


def decision_rates(*, since: date, on: date) -> list[dict]:
    counts = Counter(_in_window(since=since, on=on).values_list("segment", "decision"))
    rows = []
    for segment in sorted({segment for segment, _ in counts}):
        total = sum(n for (s, _), n in counts.items() if s == segment)
        rows.append(
            {
                "segment": segment,
                "total": total,
                **{
                    decision: round(counts[(segment, decision)] / total, 4)
                    for decision in ("approve", "refer", "decline")
                },
            }
        )
    return rows


def default_by_score_band(*, on: date) -> list[dict]:
    """Bad rate by score band among scored loans whose outcome is known."""
    bad_dpd, horizon = bad_definition()
    outcome = {
        o.loan_id: o.bad for o in known_outcomes(on=on, bad_dpd=bad_dpd, horizon_days=horizon)
    }
    scored = ScoreResult.objects.filter(loan_id__in=outcome, points__isnull=False).values_list(
        "loan_id", "points"
    )
    bands: dict[int, list[int]] = {}
    for loan_id, points in scored:
        band = int(np.searchsorted(SCORE_BANDS, points, side="right")) - 1
        bands.setdefault(band, []).append(outcome[loan_id])
    return [
        {
            "band": _band_label(band),
            "loans": len(bands[band]),
            "bad_rate": round(sum(bands[band]) / len(bands[band]), 4),
        }
        for band in sorted(bands)
    ]


def _band_label(band: int) -> str:
    low, high = SCORE_BANDS[band], SCORE_BANDS[band + 1]
    if band == 0:
        return f"< {high}"
    if band == len(SCORE_BANDS) - 2:
        return f"≥ {low}"
    return f"{low}–{high - 1}"


@dataclass(frozen=True)
class MonitoringReport:
    on: date
    since: date
    model: ModelVersion | None
    drift: list[Drift]
    rates: list[dict]
    bands: list[dict]

    @property
    def flagged(self) -> list[Drift]:
        return [row for row in self.drift if row.flagged]


def monitoring_report(*, on: date, kind: str = ModelKind.APPLICATION) -> MonitoringReport:
    """Decisions of the 30 business dates up to `on`; outcomes as of `on` too (DESIGN.md, "Time"):
    the wall clock says nothing about a book whose days COB closes, catches up or replays."""
    since = on - timedelta(days=WINDOW_DAYS - 1)
    model = champion(kind)
    return MonitoringReport(
        on=on,
        since=since,
        model=model,
        drift=drift(model, since=since, on=on) if model else [],
        rates=decision_rates(since=since, on=on),
        bands=default_by_score_band(on=on),
    )
