"""Reads the views, commands and the pipeline share."""

from loans.models import Loan
from scoring import registry
from scoring.bureau import BureauReports
from scoring.models import Purpose, ScoreResult
from scoring.policy import Outcome, decide
from scoring.snapshot import unpack_attributes


def application_result(loan: Loan) -> ScoreResult | None:
    return ScoreResult.objects.filter(loan=loan, purpose=Purpose.APPLICATION).first()


def existing_payments_kop(result: ScoreResult | None) -> int | None:
    """The borrower's other monthly payments the decision counted for ПДН (bureau included)."""
    if result is None:
        return None
    return result.snapshot.get("facts", {}).get("pdn", {}).get("existing_payments_kop")


def review_facts(*, loan: Loan, result: ScoreResult, bureau: BureauReports) -> dict:
    """What a referred application's review task keeps of the robot's decision: what it knew
    (the bureaus' answer) and what it said (PD, points, reasons, limit, model)."""
    return {
        "segment": result.segment,
        "robot_limit_kop": result.approved_amount_kop or loan.requested_amount_kop,
        "pd": result.pd,
        "points": result.points,
        "reasons": result.reasons,
        "bureau": {
            "bureaus": [report.bureau for report in bureau.reports],
            "self_ban": bureau.self_ban,
            "identity_mismatch": bureau.identity_mismatch,
            **bureau.primary.summary(),
        },
        "model_label": str(result.model_version) if result.model_version_id else result.method,
        "existing_payments_kop": existing_payments_kop(result),
    }


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
