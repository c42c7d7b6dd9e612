import math

import numpy as np
import pytest

from scoring import registry
from scoring.bureau import SandboxBureau
from scoring.inference import CompiledModel
from scoring.models import ModelKind, ModelStatus, ModelVersion


@pytest.fixture(autouse=True)
def _isolated_scoring(settings, tmp_path):
    settings.SCORING_ARTIFACTS_DIR = tmp_path / "artifacts"
    settings.SCORING_BUREAU_WIDTH = 20
    SandboxBureau.reset()
    registry.forget_loaded_models()
    yield
    SandboxBureau.reset()
    registry.forget_loaded_models()


def clean_bureau(borrower, **fields):
    """A bureau report with nothing that trips a hard rule, plus `fields`."""
    SandboxBureau.override(
        borrower=borrower,
        **{
            "self_ban": False,
            "identity_mismatch": False,
            "open_high_psk_loans": 0,
            "other_monthly_payments_kop": 0,
            "max_dpd_12m": 0,
            "delinquencies_30_24m": 0,
            "inquiries_30d": 0,
            **fields,
        },
    )
    return borrower


def constant_model(pd: float, *, numeric=("max_dpd",), categorical=("employment",)):
    """A model that says `pd` for everyone: decisions in tests then depend on the policy only."""
    n = len(numeric)
    return CompiledModel(
        numeric=list(numeric),
        fill=np.zeros(n),
        weight=np.zeros(n),
        mean=np.zeros(n),
        intercept=math.log(pd / (1 - pd)),
        categorical=list(categorical),
        category_weights=[{} for _ in categorical],
        category_baseline=np.zeros(len(categorical)),
        meta={"algorithm": "constant", "sklearn": "-"},
    )


# Holdout figures that pass the seeded PromotionThresholds of every kind.
PASSING_METRICS = {
    "auc": 0.7,
    "gini": 0.4,
    "ks": 0.3,
    "brier": 0.15,
    "brier_constant": 0.16,
    "brier_ratio": 0.9375,
    "calibration_error": 0.02,
    "cross_validation": {"auc_mean": 0.7, "ks_mean": 0.3, "brier_ratio_mean": 0.95},
}


def register(
    model: CompiledModel,
    *,
    kind=ModelKind.APPLICATION,
    status=ModelStatus.CANDIDATE,
    metrics=None,
    trainer=None,
):
    version = (ModelVersion.objects.filter(kind=kind).count() or 0) + 1
    path, sha = registry.write_artifact(model, kind=kind, version=version)
    return ModelVersion.objects.create(
        kind=kind,
        version=version,
        status=status,
        algorithm=model.meta["algorithm"],
        features=model.features,
        source="test",
        rows_train=100,
        rows_test=300,
        bad_rate_train=0.2,
        sklearn_version="-",
        metrics=PASSING_METRICS if metrics is None else metrics,
        trained_by=trainer,
        trained_by_label=trainer.get_username() if trainer else "system",
        artifact_path=path,
        artifact_sha256=sha,
    )


@pytest.fixture
def champion_at(db):
    def make(pd: float) -> ModelVersion:
        return register(constant_model(pd), status=ModelStatus.CHAMPION)

    return make


def staff(username: str, *roles: str):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user(username=username, password="x" * 12, is_staff=True)
    for role in roles:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def risk_manager(db):
    from kernel.roles import RISK_MANAGER

    return staff("risk1", RISK_MANAGER)


@pytest.fixture
def english():
    """Commands speak the active language (Russian by default); these tests read English."""
    from django.utils import translation

    with translation.override("en"):
        yield
