"""A champion passes its kind's gates and is approved by a risk manager who did not train it."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from kernel.roles import RISK_MANAGER, UNDERWRITER
from scoring import kinds, registry, services
from scoring.models import ModelStatus, ModelTransition, ModelVersion, PromotionThresholds
from scoring.promotion import PromotionRefused
from tests.scoring.conftest import PASSING_METRICS, constant_model, register, staff
from tests.scoring.test_training import write_csv


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def _promote(model, by="risk1"):
    call_command("promote_model", kind=model.kind, id=model.pk, by=by)


def test_each_kind_has_thresholds_seeded_by_a_migration(db):
    assert set(PromotionThresholds.objects.values_list("kind", flat=True)) == {
        "application",
        "pre_collection",
        "collection",
    }


def test_a_model_trained_on_an_unrelated_csv_cannot_become_champion(db, tmp_path, risk_manager):
    call_command(
        "train_scoring_model", csv=write_csv(tmp_path / "e.csv"), target="default", positive="yes"
    )
    model = ModelVersion.objects.get()
    model.metrics = PASSING_METRICS | {"calibration": []}
    model.rows_test = 300
    model.save()

    with pytest.raises(CommandError, match="not produced by the application feature builder"):
        _promote(model)

    model.refresh_from_db()
    assert model.status == ModelStatus.CANDIDATE
    assert not ModelTransition.objects.exists()
    assert registry.champion("application") is None


def test_a_csv_mapped_to_the_builder_features_has_inputs_the_builder_produces(
    db, tmp_path, risk_manager
):
    call_command(
        "train_scoring_model",
        csv=write_csv(tmp_path / "e.csv"),
        target="default",
        positive="yes",
        time_column="month",
        map=["income=income_rub", "age=age_years", "employment=employment", "region=region"],
    )
    model = ModelVersion.objects.get()
    assert set(model.features) == {"income_rub", "age_years", "employment", "region"}
    from scoring.promotion import input_problems

    assert input_problems(registry.load_model(model), kind="application") == []


def test_a_model_of_a_kind_without_a_feature_builder_cannot_become_champion(
    db, risk_manager, monkeypatch
):
    monkeypatch.setattr(kinds, "_kinds", {})
    model = register(constant_model(0.1), kind="collection")
    with pytest.raises(CommandError, match="no feature builder"):
        _promote(model)


@pytest.mark.parametrize(
    ("metric", "value"),
    [("auc", 0.55), ("ks", 0.05), ("brier_ratio", 1.02), ("calibration_error", 0.2)],
)
def test_a_model_below_a_threshold_cannot_become_champion(db, risk_manager, metric, value):
    model = register(constant_model(0.1), metrics=PASSING_METRICS | {metric: value})

    with pytest.raises(CommandError, match=f"{metric} is {value:.4g}, the threshold is"):
        _promote(model)

    assert ModelVersion.objects.get().status == ModelStatus.CANDIDATE


@pytest.mark.parametrize(
    ("metric", "name", "value"),
    [
        ("auc_mean", "cv_auc", 0.58),
        ("ks_mean", "cv_ks", 0.1),
        ("brier_ratio_mean", "cv_brier_ratio", 1.01),
    ],
)
def test_a_model_whose_folds_fall_below_a_threshold_cannot_become_champion(
    db, risk_manager, metric, name, value
):
    folds = PASSING_METRICS["cross_validation"] | {metric: value}
    model = register(constant_model(0.1), metrics=PASSING_METRICS | {"cross_validation": folds})

    with pytest.raises(CommandError, match=f"{name} is {value:.4g}, the threshold is"):
        _promote(model)

    assert ModelVersion.objects.get().status == ModelStatus.CANDIDATE


def test_a_model_with_metrics_from_before_the_gates_cannot_become_champion(db, risk_manager):
    model = register(constant_model(0.1), metrics={"auc": 0.9})
    with pytest.raises(CommandError, match="brier_ratio is —"):
        _promote(model)


def test_thresholds_edited_by_the_risk_team_apply(db, risk_manager):
    PromotionThresholds.objects.filter(kind="application").update(min_auc=0.8)
    model = register(constant_model(0.1))
    with pytest.raises(CommandError, match=r"auc is 0\.7, the threshold is ≥ 0\.8"):
        _promote(model)


def test_the_trainer_cannot_approve_their_own_model(db, risk_manager):
    model = register(constant_model(0.1), trainer=risk_manager)

    with pytest.raises(CommandError, match=r"risk1 trained .* cannot approve it"):
        _promote(model)

    staff("risk2", RISK_MANAGER)
    _promote(model, by="risk2")
    model.refresh_from_db()
    assert (model.status, model.trained_by_label, model.promoted_by_label) == (
        ModelStatus.CHAMPION,
        "risk1",
        "risk2",
    )
    assert model.promoted_at is not None


def test_promotion_needs_a_risk_manager(db):
    staff("uw1", UNDERWRITER)
    model = register(constant_model(0.1))

    with pytest.raises(CommandError, match="needs a risk manager"):
        call_command("promote_model", kind="application", id=model.pk)
    with pytest.raises(CommandError, match="uw1 is not a risk manager"):
        _promote(model, by="uw1")

    assert ModelVersion.objects.get().status == ModelStatus.CANDIDATE


def test_every_change_of_champion_is_in_the_models_history(db, risk_manager):
    old = register(constant_model(0.1))
    _promote(old)
    new = register(constant_model(0.2))
    _promote(new)

    rows = list(
        ModelTransition.objects.values_list(
            "model_version__version", "from_status", "to_status", "actor_label"
        )
    )
    assert rows == [
        (1, "candidate", "champion", "risk1"),
        (1, "champion", "retired", "risk1"),
        (2, "candidate", "champion", "risk1"),
    ]
    new.refresh_from_db()
    assert [c["name"] for c in new.gates["checks"]] == [
        "holdout_rows",
        "auc",
        "ks",
        "brier_ratio",
        "calibration_error",
        "cv_auc",
        "cv_ks",
        "cv_brier_ratio",
    ]
    assert "psi" in new.gates["population"]


def test_retire_model_takes_the_champion_out_and_the_rules_decide(db, risk_manager):
    model = register(constant_model(0.1))
    _promote(model)

    call_command("retire_model", id=model.pk, by="risk1", reason="drift")

    model.refresh_from_db()
    assert model.status == ModelStatus.RETIRED
    assert registry.champion("application") is None
    last = model.transitions.last()
    assert (last.from_status, last.to_status, last.reason) == ("champion", "retired", "drift")
    with pytest.raises(CommandError, match="already retired"):
        call_command("retire_model", id=model.pk, by="risk1")
    with pytest.raises(PromotionRefused):
        services.model_retire(model=register(constant_model(0.2)), actor=None)
    with pytest.raises(CommandError, match="is retired"):
        _promote(model)


def test_the_admin_action_promotes_with_the_signed_in_risk_manager_as_approver(
    client, risk_manager
):
    risk_manager.is_superuser = True
    risk_manager.save()
    model = register(constant_model(0.1))
    client.force_login(risk_manager)

    client.post(
        "/admin/scoring/modelversion/",
        {"action": "promote_to_champion", "_selected_action": [model.pk]},
    )

    model.refresh_from_db()
    assert (model.status, model.promoted_by) == (ModelStatus.CHAMPION, risk_manager)
