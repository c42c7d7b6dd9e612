"""Every write of the scoring app: register and promote models, record decisions."""

import logging
import time
from datetime import date
from pathlib import Path

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.errors import DomainError
from loans.business_date import current_business_date
from loans.models import Loan
from loans.services import borrower_record_self_ban
from scoring import promotion, registry
from scoring.bureau import BureauReports
from scoring.datasets import Dataset
from scoring.inference import points
from scoring.models import (
    ModelKind,
    ModelStatus,
    ModelTransition,
    ModelVersion,
    Purpose,
    ScoreResult,
    ShadowScore,
)
from scoring.policy import decide, model_row, model_unavailable, pd_decision, resolve_cutoff
from scoring.snapshot import build_snapshot, pack_attributes
from scoring.training import TrainedModel

log = logging.getLogger(__name__)
Actor = AbstractBaseUser | None


@transaction.atomic
def model_register(
    *, trained: TrainedModel, dataset: Dataset, kind: str, trainer: Actor = None
) -> ModelVersion:
    """Write the artifact and register it as a candidate (the next version of its kind);
    `trainer` is recorded, and may not approve its promotion."""
    if kind not in ModelKind.values:
        raise DomainError(f"Unknown model kind '{kind}'", code="invalid_kind", field="kind")
    latest = ModelVersion.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
    version = latest + 1
    relative, sha = registry.write_artifact(trained.compiled, kind=kind, version=version)
    try:
        return ModelVersion.objects.create(
            kind=kind,
            version=version,
            algorithm=trained.compiled.meta["algorithm"],
            features=trained.compiled.features,
            source=dataset.source,
            target=dataset.target,
            trained_from=dataset.time_from,
            trained_to=dataset.time_to,
            rows_train=trained.rows_train,
            rows_test=trained.rows_test,
            bad_rate_train=trained.bad_rate_train,
            sklearn_version=trained.compiled.meta["sklearn"],
            metrics=trained.metrics,
            score_sample=trained.score_sample,
            feature_sample=trained.feature_sample,
            artifact_path=relative,
            artifact_sha256=sha,
            trained_by=trainer,
            trained_by_label=trainer.get_username() if trainer else "system",
        )
    except Exception:
        Path(registry.artifacts_dir() / relative).unlink(missing_ok=True)
        raise


def _transition(model: ModelVersion, to: str, *, actor: Actor, reason: str) -> None:
    ModelTransition.objects.create(
        model_version=model,
        from_status=model.status,
        to_status=to,
        actor=actor,
        actor_label=actor.get_username() if actor else "system",
        reason=reason[:300],
    )
    model.status = to


@transaction.atomic
def model_promote(
    *,
    model: ModelVersion,
    kind: str,
    role: str = ModelStatus.CHAMPION,
    approver: Actor,
    reason: str = "",
) -> ModelVersion:
    """Make a model the champion (or challenger) of `kind` once it passes the gates
    (scoring.promotion) and a risk manager who did not train it approves; the model it
    replaces is retired. Both changes are in the models' transitions."""
    if role not in (ModelStatus.CHAMPION, ModelStatus.CHALLENGER):
        raise DomainError(
            _("A model is promoted to champion or challenger, not '%(role)s'") % {"role": role}
        )
    models = ModelVersion.objects.select_for_update().filter(kind=model.kind)
    list(models)  # lock the kind's rows: two promotions cannot interleave
    model = ModelVersion.objects.get(pk=model.pk)
    if model.kind != kind:
        raise DomainError(
            _("%(model)s was trained for '%(trained)s' and cannot be promoted for '%(kind)s'")
            % {"model": model, "trained": model.kind, "kind": kind},
            code="wrong_model_kind",
        )
    if model.status == role:
        raise DomainError(
            _("%(model)s is already the %(role)s") % {"model": model, "role": role},
            code="already_promoted",
        )
    if model.status == ModelStatus.RETIRED:
        raise DomainError(
            _("%(model)s is retired; train a new candidate instead") % {"model": model},
            code="retired",
        )
    compiled = registry.load_model(model)  # a refused artifact is never promoted
    promotion.check_approver(model, approver)
    gates = promotion.gate(model, compiled, kind=kind, champion=role == ModelStatus.CHAMPION)
    for previous in models.filter(status=role).exclude(pk=model.pk):
        _transition(
            previous,
            ModelStatus.RETIRED,
            actor=approver,
            reason=_("replaced by v%(version)s") % {"version": model.version},
        )
        previous.save(update_fields=["status"])
    _transition(model, role, actor=approver, reason=reason)
    model.promoted_by = approver
    model.promoted_by_label = approver.get_username()
    model.promoted_at = timezone.now()
    model.gates = gates
    model.psi_vs_champion = gates["population"]["psi"]
    model.save()
    return model


@transaction.atomic
def model_retire(*, model: ModelVersion, actor: Actor, reason: str = "") -> ModelVersion:
    """Take a model out of service (a risk manager's decision, recorded with the reason);
    a retired champion leaves its kind to the rules."""
    model = ModelVersion.objects.select_for_update().get(pk=model.pk)
    if model.status == ModelStatus.RETIRED:
        raise DomainError(
            _("%(model)s is already retired") % {"model": model}, code="already_retired"
        )
    promotion.check_risk_manager(actor)
    _transition(model, ModelStatus.RETIRED, actor=actor, reason=reason)
    model.save(update_fields=["status"])
    return model


@transaction.atomic
def score_application(
    *, loan: Loan, bureau: BureauReports, channel: str = "web", bureau_ms: float = 0.0
) -> ScoreResult:
    """Decide on an application and record the decision; a second call returns the first."""
    existing = ScoreResult.objects.filter(loan=loan, purpose=Purpose.APPLICATION).first()
    if existing is not None:
        return existing
    started = time.perf_counter()
    borrower_record_self_ban(
        borrower=loan.borrower,
        active=bureau.self_ban,
        checked_at=bureau.received_at,
        high_psk_loans=bureau.open_high_psk_loans,
    )
    on: date = current_business_date()
    snapshot = build_snapshot(loan=loan, bureau=bureau, on=on, channel=channel)
    attributes = bureau.primary.attributes
    champion, challenger = registry.champion_and_challenger(ModelKind.APPLICATION)
    facts = snapshot["facts"]
    cutoff = resolve_cutoff(segment=facts["segment"], product_code=facts["product"]["code"])
    try:
        model = registry.load_model(champion) if champion else None
    except registry.ArtifactRefused as exc:
        # The risk team must know at once; the applicant must not wait for them.
        log.error("scoring: the champion cannot run (%s); loan %s goes to a person", exc, loan.pk)
        outcome = model_unavailable(facts)
    else:
        outcome = decide(snapshot, attributes=attributes, cutoff=cutoff, model=model)
    result = ScoreResult.objects.create(
        loan=loan,
        purpose=Purpose.APPLICATION,
        model_version=champion if outcome.method == "model" else None,
        method=outcome.method,
        segment=facts["segment"],
        pd=outcome.pd,
        points=outcome.points,
        decision=outcome.decision,
        requested_amount_kop=loan.requested_amount_kop,
        approved_amount_kop=outcome.approved_amount_kop,
        reasons=[reason.as_dict() for reason in outcome.reasons],
        snapshot=snapshot,
        bureau_attributes=pack_attributes(attributes),
        policy=cutoff,
        latency_ms=(time.perf_counter() - started) * 1000,
        bureau_ms=bureau_ms,
        business_date=on,
    )
    if challenger is not None:
        _shadow(result, version=challenger, snapshot=snapshot, attributes=attributes, cutoff=cutoff)
    return result


def _shadow(
    result: ScoreResult,
    *,
    version: ModelVersion,
    snapshot: dict,
    attributes: np.ndarray,
    cutoff: dict,
) -> None:
    """Score the challenger on the same snapshot and log it; it never changes the decision."""
    try:
        model = registry.load_model(version)
    except registry.ArtifactRefused:
        log.exception("challenger %s refused; no shadow score", version)
        return
    numeric, categorical = model_row(model, snapshot, attributes)
    pd = float(model.predict_pd(numeric[None, :], np.array([categorical], dtype=object))[0])
    ShadowScore.objects.create(
        score_result=result,
        model_version=version,
        pd=pd,
        points=points(pd),
        decision=pd_decision(pd, cutoff),
    )
