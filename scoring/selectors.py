"""Reads the views, commands and the pipeline share."""

from loans.models import Loan
from scoring import registry
from scoring.models import Purpose, ScoreResult
from scoring.policy import Outcome, decide
from scoring.snapshot import unpack_attributes


def application_result(loan: Loan) -> ScoreResult | None:
    return ScoreResult.objects.filter(loan=loan, purpose=Purpose.APPLICATION).first()


def rescore(result: ScoreResult) -> Outcome:
    """The decision re-created from what the result stored: snapshot, cut-offs and model."""
    model = registry.load_model(result.model_version) if result.model_version else None
    return decide(
        result.snapshot,
        attributes=unpack_attributes(result.bureau_attributes),
        cutoff=result.policy,
        model=model,
    )


def recent_latency_p95_ms(*, last: int = 100) -> float | None:
    """The 95th percentile of the last decisions' latency (bureau included)."""
    rows = list(
        ScoreResult.objects.order_by("-created_at").values_list("latency_ms", "bureau_ms")[:last]
    )
    if not rows:
        return None
    totals = sorted(latency + bureau for latency, bureau in rows)
    return totals[min(len(totals) - 1, int(0.95 * len(totals)))]
